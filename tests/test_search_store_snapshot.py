"""Index snapshots (``search.store.snapshot``) and an engine switching to a new one.

Real indexes in tmp_path; a writer thread commits while snapshots are taken.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from service_support import build_index, make_doc

from search import schema
from search.engine import SearchEngine
from search.errors import IndexUnavailableError, ReadOnlyIndexError
from search.models import SearchRequest
from search.store.index import open_index
from search.store.snapshot import snapshot
from search.store.writing import committing_writer, open_or_create


def _ids(index_dir: Path) -> set[str]:
    ix = open_index(index_dir)
    try:
        with ix.searcher() as s:
            return {d[schema.ID_FIELD] for d in s.all_stored_fields()}
    finally:
        ix.close()


def _docs(n: int, start: int = 0) -> list[dict]:
    return [
        make_doc(f"d{i}", f"Title {i}", f"Body text of article {i} about grain.")
        for i in range(start, start + n)
    ]


def test_snapshot_holds_the_committed_documents_with_deletions(tmp_path):
    index = build_index(tmp_path / "ix", _docs(5))
    ix = open_or_create(index)
    with committing_writer(ix) as w:
        w.delete_by_term(schema.ID_FIELD, "d2")
    report = snapshot(index, tmp_path / "snap")
    assert report.documents == 4
    assert report.linked  # same filesystem: hard links, no copies
    assert _ids(tmp_path / "snap") == {"d0", "d1", "d3", "d4"}
    assert (tmp_path / "snap" / schema.VERSION_FILE).is_file()
    # the source goes on changing; the snapshot does not
    with committing_writer(ix) as w:
        w.add_document(**schema.to_index_fields(_docs(1, start=9)[0]))
    assert _ids(tmp_path / "snap") == {"d0", "d1", "d3", "d4"}
    assert "d9" in _ids(index)


def test_snapshot_refuses_an_existing_destination_and_a_missing_index(tmp_path):
    index = build_index(tmp_path / "ix", _docs(1))
    (tmp_path / "taken").mkdir()
    with pytest.raises(IndexUnavailableError, match="exists"):
        snapshot(index, tmp_path / "taken")
    with pytest.raises(IndexUnavailableError):
        snapshot(tmp_path / "nothing", tmp_path / "snap")
    assert not (tmp_path / "snap").exists()


def test_snapshots_taken_while_a_writer_commits_are_consistent(tmp_path):
    index = build_index(tmp_path / "ix", _docs(3))
    stop = threading.Event()
    committed: list[int] = []

    def write() -> None:
        ix = open_or_create(index)
        n = 100
        while not stop.is_set():
            with committing_writer(ix, timeout=5.0) as w:
                w.add_document(**schema.to_index_fields(_docs(1, start=n)[0]))
            committed.append(n)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        reports = [snapshot(index, tmp_path / f"snap{i}") for i in range(8)]
    finally:
        stop.set()
        writer.join(timeout=30)
    assert committed, "the writer never committed"
    for report in reports:
        ids = _ids(report.dest)
        assert len(ids) == report.documents
        extra = sorted(int(i[1:]) for i in ids if int(i[1:]) >= 100)
        # a prefix of the writer's commits: whole generations, nothing half-made
        assert extra == list(range(100, 100 + len(extra)))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_engine_switches_to_a_snapshot_put_in_place_under_a_symlink(tmp_path):
    writer_index = build_index(tmp_path / "writer", _docs(3))
    snapshot(writer_index, tmp_path / "snap1")
    link = tmp_path / "current"
    link.symlink_to(tmp_path / "snap1")
    engine = SearchEngine(link, read_only=True, refresh_interval=60)
    try:
        assert engine.search(SearchRequest(q="grain")).total == 3
        ix = open_or_create(writer_index)
        with committing_writer(ix) as w:
            w.add_document(**schema.to_index_fields(_docs(1, start=7)[0]))
        snapshot(writer_index, tmp_path / "snap2")
        tmp_link = tmp_path / "current.tmp"
        tmp_link.symlink_to(tmp_path / "snap2")
        os.replace(tmp_link, link)  # what `mv -T current.tmp current` does
        assert engine.search(SearchRequest(q="grain")).total == 4
        assert engine.get_document("d7")["title"] == "Title 7"
        with pytest.raises(ReadOnlyIndexError, match="read-only"):
            engine.put_document(_docs(1, start=8)[0])
    finally:
        engine.close()


def test_engine_keeps_serving_when_the_link_names_a_broken_folder(tmp_path, caplog):
    snapshot(build_index(tmp_path / "writer", _docs(2)), tmp_path / "snap1")
    (tmp_path / "empty").mkdir()
    link = tmp_path / "current"
    link.symlink_to(tmp_path / "snap1")
    engine = SearchEngine(link, read_only=True)
    try:
        tmp_link = tmp_path / "current.tmp"
        tmp_link.symlink_to(tmp_path / "empty")
        os.replace(tmp_link, link)
        assert engine.search(SearchRequest(q="grain")).total == 2
        assert "cannot be opened" in caplog.text
    finally:
        engine.close()


def test_searches_running_while_snapshots_are_switched_never_fail(tmp_path):
    writer_index = build_index(tmp_path / "writer", _docs(3))
    snapshot(writer_index, tmp_path / "snap0")
    link = tmp_path / "current"
    link.symlink_to(tmp_path / "snap0")
    engine = SearchEngine(link, read_only=True)
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                totals.append(engine.search(SearchRequest(q="grain", facets=())).total)
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                errors.append(exc)
                return

    threads = [threading.Thread(target=search_loop) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        ix = open_or_create(writer_index)
        for i in range(1, 6):
            with committing_writer(ix) as w:
                w.add_document(**schema.to_index_fields(_docs(1, start=10 + i)[0]))
            snapshot(writer_index, tmp_path / f"snap{i}")
            tmp_link = tmp_path / "current.tmp"
            tmp_link.symlink_to(tmp_path / f"snap{i}")
            os.replace(tmp_link, link)
            seen = len(totals)
            deadline = time.monotonic() + 10
            while len(totals) < seen + 8 and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        engine.close()
    assert errors == []
    assert totals[0] == 3 and totals[-1] == 8
    assert sorted(set(totals)) == list(range(3, 9))  # every snapshot was served
