"""indexer.pipeline end to end: pages in tmp_path -> a real Whoosh index."""

from __future__ import annotations

import json
import os

import pytest
from indexer_pages import page, write_gz, write_pages
from whoosh.qparser import QueryParser

import indexer.parse as parse_module
from indexer import pipeline, workers
from indexer.errors import ParseError, UsageError
from indexer.pipeline import IndexOptions
from indexer.siteconfig import SiteConfig
from indexer.sources import MAX_PAGE_BYTES, source_key
from search import schema
from search.store.errors import IndexLockedError
from search.store.writing import open_or_create


def _run(index_dir, *paths, **kwargs) -> pipeline.IndexReport:
    options = IndexOptions(
        index_dir=index_dir, paths=tuple(str(p) for p in paths), **kwargs
    )
    return pipeline.run(options)


def _docs(index_dir) -> dict[str, dict]:
    ix = open_or_create(index_dir)
    with ix.searcher() as s:
        return {d["id"]: d for d in s.all_stored_fields()}


def _counts(report) -> tuple[int, int, int, int, int]:
    return (
        report.added,
        report.updated,
        report.unchanged,
        report.deleted,
        len(report.skipped),
    )


@pytest.fixture
def pages(tmp_path):
    folder = tmp_path / "pages"
    write_pages(folder, 4)
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.htm").write_text(page(10), encoding="utf-8")
    write_gz(folder / "sub" / "zipped.html.gz", page(11))
    (folder / "notes.txt").write_text("not a page")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "secret.html").write_text(page(12))
    return folder


@pytest.fixture
def parse_calls(monkeypatch):
    """Counts calls of the real parser (in-process runs only)."""
    calls: list[str] = []
    real = parse_module.parse_html

    def counting(data, **kwargs):
        calls.append(kwargs["source"])
        return real(data, **kwargs)

    monkeypatch.setattr(parse_module, "parse_html", counting)
    return calls


def test_first_run_indexes_every_page_with_relative_ids(tmp_path, pages):
    report = _run(tmp_path / "ix", pages)
    assert _counts(report) == (6, 0, 0, 0, 0)
    docs = _docs(tmp_path / "ix")
    assert sorted(docs) == [
        "page-0000.html",
        "page-0001.html",
        "page-0002.html",
        "page-0003.html",
        "sub/deep.htm",
        "sub/zipped.html.gz",
    ]
    first = docs["page-0000.html"]
    assert first["title"] == "Article number 0 on energy and trade"
    assert first["source"] == source_key(pages / "page-0000.html")
    raw = (pages / "page-0000.html").read_bytes()
    assert first["content_hash"] == schema.content_hash(raw)
    assert report.pages == 6 and report.pages_per_second > 0


def test_indexed_pages_are_searchable(tmp_path, pages):
    _run(tmp_path / "ix", pages)
    ix = open_or_create(tmp_path / "ix")
    with ix.searcher() as s:
        q = QueryParser(schema.TITLE, ix.schema).parse("deep OR zipped OR number")
        assert s.search(q).scored_length() == 6
        q = QueryParser(schema.BODY, ix.schema).parse('"article 11"')
        hits = s.search(q)
        assert [h["id"] for h in hits] == ["sub/zipped.html.gz"]


def test_rerun_skips_unchanged_pages_without_parsing_them(tmp_path, pages, parse_calls):
    _run(tmp_path / "ix", pages, jobs=1)
    assert len(parse_calls) == 6
    generation = open_or_create(tmp_path / "ix").latest_generation()
    report = _run(tmp_path / "ix", pages, jobs=1)
    assert _counts(report) == (0, 0, 6, 0, 0)
    assert len(parse_calls) == 6  # no page was parsed again
    assert open_or_create(tmp_path / "ix").latest_generation() == generation


def test_rerun_replaces_changed_and_adds_new_pages(tmp_path, pages, parse_calls):
    _run(tmp_path / "ix", pages, jobs=1)
    (pages / "page-0001.html").write_text(page(1, title="A revised headline"))
    write_pages(pages, 1, start=20)
    del parse_calls[:]
    report = _run(tmp_path / "ix", pages, jobs=1)
    assert _counts(report) == (1, 1, 5, 0, 0)
    assert sorted(parse_calls) == [
        str(pages / "page-0001.html"),
        str(pages / "page-0020.html"),
    ]
    docs = _docs(tmp_path / "ix")
    assert len(docs) == 7
    assert docs["page-0001.html"]["title"] == "A revised headline"


def test_prune_deletes_documents_of_gone_files_only_when_asked(tmp_path, pages):
    other = tmp_path / "other"
    write_pages(other, 1, start=30)
    _run(tmp_path / "ix", pages)
    _run(tmp_path / "ix", other)
    (pages / "page-0002.html").unlink()
    (pages / "sub" / "zipped.html.gz").unlink()
    report = _run(tmp_path / "ix", pages)
    assert report.deleted == 0 and len(_docs(tmp_path / "ix")) == 7
    report = _run(tmp_path / "ix", pages, prune=True)
    assert _counts(report) == (0, 0, 4, 2, 0)
    docs = _docs(tmp_path / "ix")
    assert "page-0002.html" not in docs and "sub/zipped.html.gz" not in docs
    assert "page-0030.html" in docs  # indexed from another root: not pruned


def test_prune_of_a_subfolder_keeps_the_rest(tmp_path, pages):
    _run(tmp_path / "ix", pages)
    report = _run(tmp_path / "ix", pages / "sub", prune=True)
    assert report.deleted == 0
    assert len(_docs(tmp_path / "ix")) == 6


def test_a_new_canonical_url_replaces_the_old_id(tmp_path, pages):
    _run(tmp_path / "ix", pages)
    url = "https://example.org/2024/article-3"
    (pages / "page-0003.html").write_text(page(3, canonical=url))
    report = _run(tmp_path / "ix", pages)
    assert _counts(report) == (0, 1, 5, 0, 0)
    docs = _docs(tmp_path / "ix")
    assert url in docs and "page-0003.html" not in docs
    assert len(docs) == 6


def test_two_pages_with_one_canonical_url_index_the_first(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    url = "https://example.org/same"
    (folder / "a.html").write_text(page(1, canonical=url))
    (folder / "b.html").write_text(page(2, canonical=url))
    report = _run(tmp_path / "ix", folder)
    assert _counts(report) == (1, 0, 0, 0, 1)
    assert report.skipped[0].source == str(folder / "b.html")
    assert "duplicate id" in report.skipped[0].reason
    assert (
        _docs(tmp_path / "ix")[url]["title"] == "Article number 1 on energy and trade"
    )


@pytest.fixture
def bad_pages(tmp_path):
    folder = tmp_path / "bad"
    write_pages(folder, 2)
    (folder / "empty.html").write_bytes(b"")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 64)
    (folder / "nothing.html").write_text(
        "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a>"
        "</nav></body></html>"
    )
    (folder / "corrupt.html.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    # pages that look wrong but are indexed: a false charset, broken markup
    latin = page(
        50, title="Why the cafés of Zürich pay more for gas"
    )  # declares utf-8, written as latin-1
    (folder / "wrong-charset.html").write_bytes(latin.encode("latin-1"))
    broken = page(51).replace("</p>", "").replace("</article>", "<div><span>")
    (folder / "broken-markup.html").write_text(broken[: len(broken) // 2 + 400])
    with open(folder / "huge.html", "wb") as fh:
        fh.write(b"<html><body><p>")
        fh.seek(MAX_PAGE_BYTES + 1024)
        fh.write(b"</p></body></html>")
    return folder


def test_bad_pages_are_skipped_with_a_reason_and_the_rest_indexed(tmp_path, bad_pages):
    report = _run(tmp_path / "ix", bad_pages)
    reasons = {os.path.basename(s.source): s.reason for s in report.skipped}
    assert set(reasons) == {
        "empty.html",
        "binary.html",
        "nothing.html",
        "corrupt.html.gz",
        "huge.html",
    }
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert "too large" in reasons["huge.html"]
    assert "gzip" in reasons["corrupt.html.gz"]
    assert report.added == 4
    docs = _docs(tmp_path / "ix")
    assert sorted(docs) == [
        "broken-markup.html",
        "page-0000.html",
        "page-0001.html",
        "wrong-charset.html",
    ]
    assert docs["wrong-charset.html"]["title"].startswith("Why the cafés of Zürich")


def test_strict_stops_at_the_first_bad_page_and_commits_nothing(tmp_path, bad_pages):
    good = tmp_path / "good"
    write_pages(good, 1, start=40)
    _run(tmp_path / "ix", good)
    before = _docs(tmp_path / "ix")
    with pytest.raises(ParseError) as info:
        _run(tmp_path / "ix", bad_pages, strict=True)
    assert info.value.path.startswith(str(bad_pages))
    assert _docs(tmp_path / "ix") == before


def test_missing_input_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        _run(tmp_path / "ix", tmp_path / "missing")
    assert not (tmp_path / "ix").exists()


def test_a_held_lock_stops_the_run_before_it_writes(tmp_path, pages):
    ix = open_or_create(tmp_path / "ix")
    holder = ix.writer()
    try:
        with pytest.raises(IndexLockedError, match="index is locked"):
            _run(tmp_path / "ix", pages)
    finally:
        holder.cancel()
    assert _docs(tmp_path / "ix") == {}


@pytest.mark.slow
def test_parallel_workers_give_the_same_index_as_in_process(tmp_path):
    folder = tmp_path / "many"
    write_pages(folder, workers.MIN_PARALLEL_PAGES + 20)
    (folder / "empty.html").write_bytes(b"")
    kicker = '<p class="kicker">The headline a site config picks out</p>'
    (folder / "page-0007.html").write_text(page(7, extra=kicker))
    site = SiteConfig(title=(".kicker",))  # reaches the workers too
    parallel = _run(tmp_path / "ix-parallel", folder, jobs=2, site=site)
    serial = _run(tmp_path / "ix-serial", folder, jobs=1, site=site)
    assert _counts(parallel) == _counts(serial) == (68, 0, 0, 0, 1)
    a, b = _docs(tmp_path / "ix-parallel"), _docs(tmp_path / "ix-serial")
    assert a == b
    assert a["page-0007.html"]["title"] == "The headline a site config picks out"


def _jsonl(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _doc_line(doc_id, title="A title", **extra):
    return json.dumps(
        {"id": doc_id, "title": title, "body": "Body of " + doc_id, **extra}
    )


def test_jsonl_documents_are_validated_and_indexed(tmp_path):
    src = _jsonl(
        tmp_path / "docs.jsonl",
        [
            _doc_line(
                "a", authors=["Ann Smith"], published="2024-03-01T09:30:00+01:00"
            ),
            "",
            "{not json",
            json.dumps({"title": "no id"}),
            _doc_line("b", published="last tuesday"),
            "[1, 2]",
            _doc_line("c", tags=["Energy Policy"]),
            _doc_line("a", title="again"),
        ],
    )
    report = pipeline.run(IndexOptions(index_dir=tmp_path / "ix", jsonl=str(src)))
    assert _counts(report) == (2, 0, 0, 0, 5)
    lines = {s.source.rsplit(":", 1)[1]: s.reason for s in report.skipped}
    assert set(lines) == {"3", "4", "5", "6", "8"}
    assert "not valid JSON" in lines["3"]
    assert "'id'" in lines["4"]
    assert "'published'" in lines["5"]
    assert "duplicate id 'a' (first on line 1)" in lines["8"]
    docs = _docs(tmp_path / "ix")
    assert sorted(docs) == ["a", "c"]
    assert docs["a"]["published_iso"] == "2024-03-01T08:30:00Z"
    assert docs["c"]["tags"] == ["Energy Policy"]


def test_jsonl_lines_that_break_the_parsers_are_skipped_not_fatal(tmp_path):
    src = _jsonl(
        tmp_path / "docs.jsonl",
        [
            _doc_line("a"),
            _doc_line("b", published="0001-01-01T00:00:00+14:00"),
            '{"a": ' * 100_000,
        ],
    )
    report = pipeline.run(IndexOptions(index_dir=tmp_path / "ix", jsonl=str(src)))
    assert _counts(report) == (1, 0, 0, 0, 2)
    lines = {s.source.rsplit(":", 1)[1]: s.reason for s in report.skipped}
    assert "'published'" in lines["2"] and "out of range" in lines["2"]
    assert "nested too deeply" in lines["3"]
    assert sorted(_docs(tmp_path / "ix")) == ["a"]


def test_jsonl_rerun_skips_unchanged_and_replaces_changed(tmp_path):
    src = _jsonl(tmp_path / "docs.jsonl", [_doc_line("a"), _doc_line("b")])
    pipeline.run(IndexOptions(index_dir=tmp_path / "ix", jsonl=str(src)))
    _jsonl(src, [_doc_line("a"), _doc_line("b", title="New title")])
    report = pipeline.run(IndexOptions(index_dir=tmp_path / "ix", jsonl=str(src)))
    assert _counts(report) == (0, 1, 1, 0, 0)
    assert _docs(tmp_path / "ix")["b"]["title"] == "New title"


def test_jsonl_strict_commits_nothing(tmp_path):
    src = _jsonl(tmp_path / "docs.jsonl", [_doc_line("a"), "oops"])
    with pytest.raises(ParseError, match="docs.jsonl:2"):
        pipeline.run(
            IndexOptions(index_dir=tmp_path / "ix", jsonl=str(src), strict=True)
        )
    assert _docs(tmp_path / "ix") == {}


def test_report_to_dict_and_summary(tmp_path, bad_pages):
    report = _run(tmp_path / "ix", bad_pages)
    data = report.to_dict()
    assert data["added"] == 4 and data["pages"] == 9
    assert {"source", "reason"} == set(data["skipped"][0])
    assert report.summary().startswith(
        "4 added, 0 updated, 0 unchanged, 0 deleted, 5 skipped"
    )
    assert "pages/s" in report.summary()


@pytest.mark.slow
def test_strict_with_parallel_workers_stops_and_commits_nothing(tmp_path):
    folder = tmp_path / "many"
    write_pages(folder, workers.MIN_PARALLEL_PAGES + 20)
    (folder / "page-0003.html").write_bytes(b"")
    with pytest.raises(ParseError) as info:
        _run(tmp_path / "ix", folder, jobs=2, strict=True)
    assert info.value.path == str(folder / "page-0003.html")
    assert _docs(tmp_path / "ix") == {}
