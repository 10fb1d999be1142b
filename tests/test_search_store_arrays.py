"""search.store.arrays: a segment's postings as memory-mapped arrays, on real
indexes in tmp_path, checked against Whoosh's own blocks and the engine's answers."""

from __future__ import annotations

import random

import pytest
from service_support import build_index, example_documents, make_doc

from search import schema
from search.engine.facade import SearchEngine
from search.models import SearchRequest
from search.store import arrays, blocks
from search.store.snapshot import snapshot
from search.store.writing import committing_writer, open_or_create

FIELDS = tuple(schema.SEARCH_FIELDS)
WORDS = "trade energy grain sanctions pipeline tariff wheat gas oil port".split()


@pytest.fixture(autouse=True)
def _small(monkeypatch):
    """Arrays for every segment and term of the small test indexes."""
    monkeypatch.setattr(arrays, "MIN_DOCS", 1)
    monkeypatch.setattr(arrays, "MIN_DF", 2)
    monkeypatch.setattr(arrays, "RECHECK", 0.0)
    monkeypatch.setattr(arrays, "SPILL", 50)  # spilled to disk in many chunks


def _docs(n: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    return [
        make_doc(
            f"d{i}",
            " ".join(rng.choices(WORDS, k=3)),
            " ".join(rng.choices(WORDS, k=60)),
            tags=[rng.choice(["Energy", "Food"])],
        )
        for i in range(n)
    ]


def _segment_readers(ix):
    top = ix.reader()
    return top, [top] if top.is_atomic() else [r for r, _ in top.leaf_readers()]


def test_arrays_hold_what_whoosh_blocks_hold(tmp_path):
    ix = open_or_create(build_index(tmp_path / "ix", _docs(40)))
    top, (reader,) = _segment_readers(ix)
    with top:
        assert arrays.for_reader(reader) is None  # not written yet
        path = arrays.build(tmp_path / "ix", reader, FIELDS)
        assert path.name == reader._segment.segment_id() + arrays.EXT
        mapped = arrays.for_reader(reader)
        assert mapped is not None and len(mapped.terms) > 10
        for (fieldname, btext), _ in mapped.terms.items():
            ids, weights = blocks.read_postings(reader, fieldname, btext)
            got_ids, got_weights = mapped.postings(fieldname, btext)
            assert list(got_ids) == list(ids)
            assert list(got_weights) == list(weights)
            docs = list(ids)[::2] + [10_000]
            docs.sort()
            want = blocks.term_positions(reader, fieldname, btext, docs)
            assert mapped.term_positions(fieldname, btext, docs) == want
        # a term the file lacks: the callers read Whoosh's blocks instead
        assert mapped.postings(schema.BODY, b"absent") is None
        assert arrays.term_positions(reader, schema.BODY, b"trade", [0, 1]) == (
            blocks.term_positions(reader, schema.BODY, b"trade", [0, 1])
        )


def test_searches_answer_the_same_with_and_without_arrays(tmp_path, monkeypatch):
    docs = example_documents() + _docs(30)
    index_dir = build_index(tmp_path / "ix", docs)
    queries = [
        "energy",
        "trade grain",
        '"grain sanctions"',
        "sanction pipelin",
        "enegry",
        "tag:Energy oil",
        "gas OR wheat -port",
    ]

    def answers():
        engine = SearchEngine(index_dir, cache_size=0)
        try:
            out = []
            for q in queries:
                result = engine.search(SearchRequest(q=q, per_page=20))
                out.append(
                    (q, result.total, [(h.id, round(h.score, 6)) for h in result.hits])
                )
            return out
        finally:
            engine.close()

    before = answers()
    ix = open_or_create(index_dir)
    assert arrays.build_missing(index_dir, ix, FIELDS) == 1
    assert list(index_dir.glob("*" + arrays.EXT))
    used: list[str] = []
    for name in ("postings", "term_positions"):
        real = getattr(arrays.SegmentArrays, name)

        def spy(self, *args, _real=real, _name=name):
            used.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(arrays.SegmentArrays, name, spy)
    assert answers() == before
    assert {"postings", "term_positions"} <= set(used)  # the arrays answered
    assert any(total for _, total, _ in before)


def test_whoosh_removes_the_arrays_of_a_merged_segment(tmp_path):
    index_dir = build_index(tmp_path / "ix", _docs(20))
    ix = open_or_create(index_dir)
    arrays.build_missing(index_dir, ix, FIELDS)
    (old,) = index_dir.glob("*" + arrays.EXT)
    # a snapshot takes the segment's files, the arrays among them
    report = snapshot(index_dir, tmp_path / "snap")
    assert report.documents == 20
    assert (tmp_path / "snap" / old.name).exists()
    with committing_writer(ix) as w:
        w.add_document(**schema.to_index_fields(_docs(21)[-1]))
    ix.optimize()  # merge everything into one new segment
    assert not old.exists()
    assert arrays.build_missing(index_dir, ix, FIELDS) == 1
    (new,) = index_dir.glob("*" + arrays.EXT)
    assert new.name != old.name


def test_an_unreadable_arrays_file_is_ignored(tmp_path):
    index_dir = build_index(tmp_path / "ix", _docs(10))
    ix = open_or_create(index_dir)
    top, (reader,) = _segment_readers(ix)
    with top:
        path = index_dir / (reader._segment.segment_id() + arrays.EXT)
        path.write_bytes(b"not an arrays file")
        assert arrays.for_reader(reader) is None
        ids, _ = blocks.read_postings(reader, schema.BODY, b"trade")
        engine = SearchEngine(index_dir, cache_size=0)
        try:
            assert engine.search(SearchRequest(q="trade")).total == len(ids) > 0
        finally:
            engine.close()


def test_the_indexer_writes_arrays_after_its_commit(tmp_path):
    from indexer.writer import open_writer

    with open_writer(tmp_path / "ix", writers=1) as dw:
        for doc in _docs(12):
            dw.write(schema.to_index_fields(doc))
    assert len(list((tmp_path / "ix").glob("*" + arrays.EXT))) == 1
