"""Who merges segments: API writes merge only tiny ones (a merge in a search worker
holds the GIL its searches need); ``analysis-search merge`` does the rest; and the
per-segment words and titles that keep a new generation cheap to serve."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from service_support import build_index, make_doc, stored_ids
from whoosh import index
from whoosh.writing import NO_MERGE

from search import schema
from search.cli import main as cli_main
from search.engine import SearchEngine, generations
from search.engine.suggest import SegmentTitles, TitleIndex
from search.query.vocab import SpellVocab
from search.scoring.postings import SegmentCache
from search.store.merging import TINY_SEGMENT_DOCS, TINY_SEGMENTS
from search.store.writing import committing_writer, open_or_create


def _docs(prefix: str, n: int) -> list[dict]:
    return [
        make_doc(f"{prefix}{i}", f"{prefix} title {i}", f"body words {prefix} {i}")
        for i in range(n)
    ]


def _add_unmerged(index_dir: Path, docs: list[dict]) -> None:
    """Commit ``docs`` as a segment of their own (no merge)."""
    ix = open_or_create(index_dir)
    with committing_writer(ix, mergetype=NO_MERGE) as writer:
        for doc in docs:
            writer.add_document(**schema.to_index_fields(doc))


def _segments(index_dir: Path) -> list:
    return index.open_dir(str(index_dir))._segments()


def test_api_writes_never_merge_a_large_segment(tmp_path: Path) -> None:
    index_dir = build_index(tmp_path / "ix", _docs("base", 40))
    (base,) = _segments(index_dir)
    engine = SearchEngine(index_dir)
    try:
        for i in range(3 * TINY_SEGMENTS):
            engine.put_document(make_doc(f"api{i}", f"Note {i}", f"written {i}"))
    finally:
        engine.close()
    segments = _segments(index_dir)
    # the indexer's segment is untouched: merging it would cost ~35 ms a document
    assert base.segment_id() in {s.segment_id() for s in segments}
    # the one-document segments were merged along the way: not one per write
    assert len(segments) <= TINY_SEGMENTS + 3
    assert sum(s.doc_count_all() <= TINY_SEGMENT_DOCS for s in segments) < (
        TINY_SEGMENTS
    )
    ix = index.open_dir(str(index_dir))
    assert stored_ids(ix) == {f"base{i}" for i in range(40)} | {
        f"api{i}" for i in range(3 * TINY_SEGMENTS)
    }


def test_merge_command_merges_small_segments_then_everything(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    build_index(index_dir, _docs("big", 30))
    for batch in range(6):
        _add_unmerged(index_dir, _docs(f"b{batch}x", 2))
    before = len(_segments(index_dir))
    assert before > 2
    out = io.StringIO()
    assert cli_main(["merge", "--index", str(index_dir), "--json"], stdout=out) == 0
    report = json.loads(out.getvalue())
    assert report["segments_before"] == before
    assert report["segments_after"] == len(_segments(index_dir)) < before
    assert report["documents"] == 42
    out = io.StringIO()
    assert cli_main(["merge", "--index", str(index_dir), "--all"], stdout=out) == 0
    assert "-> 1, 42 documents" in out.getvalue()
    assert len(_segments(index_dir)) == 1
    assert len(stored_ids(index.open_dir(str(index_dir)))) == 42


def test_merge_command_without_an_index_is_a_clear_error(tmp_path: Path, capsys):
    assert cli_main(["merge", "--index", str(tmp_path / "none")]) != 0
    assert "does not exist" in capsys.readouterr().err


def test_words_and_titles_kept_per_segment_match_a_fresh_read(tmp_path: Path) -> None:
    index_dir = build_index(tmp_path / "ix", _docs("alpha", 5))
    _add_unmerged(index_dir, _docs("bravo", 5))
    cache, titles = SegmentCache(), SegmentTitles()
    ix = index.open_dir(str(index_dir))
    with ix.searcher() as s:
        first = TitleIndex(s.reader(), titles)
        SpellVocab(s.reader(), lambda leaf: cache.leaf_dfs(leaf, "spell"))
    assert {t[1] for t in first.titles} == {f"alpha{i}" for i in range(5)} | {
        f"bravo{i}" for i in range(5)
    }
    # the next generation: one document deleted from a segment already read,
    # one added in a new segment
    with committing_writer(ix, mergetype=NO_MERGE) as w:
        w.delete_by_term("id", "alpha2")
    _add_unmerged(index_dir, [make_doc("charlie0", "Charlie zephyr", "zephyr text")])
    ix = index.open_dir(str(index_dir))
    with ix.searcher() as s:
        kept = SpellVocab(s.reader(), lambda leaf: cache.leaf_dfs(leaf, "spell"))
        fresh = SpellVocab(s.reader())
        later = TitleIndex(s.reader(), titles)
        again = TitleIndex(s.reader())
    assert kept.words == fresh.words and kept.dfs == fresh.dfs
    assert kept.df("zephyr") == 1
    assert later.titles == again.titles
    ids = {t[1] for t in later.titles}
    assert "alpha2" not in ids and "charlie0" in ids
    assert [later.titles[t][1] for t in later.find(["zeph"], False)] == ["charlie0"]


def test_new_titles_are_suggested_once_the_generation_is_read(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(generations, "WARM_DELAY", 0.0)
    engine = SearchEngine(build_index(tmp_path / "ix", _docs("base", 3)))
    engine.refresh_interval = 0.0
    try:
        assert engine.suggest("base")  # the first generation's titles are read
        engine.put_document(make_doc("new", "Quokka census results", "counted"))
        deadline = time.monotonic() + 10
        found: list[str] = []
        while time.monotonic() < deadline and not found:
            found = [s.text for s in engine.suggest("quok") if s.kind == "title"]
            time.sleep(0.05)
        assert found == ["Quokka census results"]
    finally:
        engine.close()
