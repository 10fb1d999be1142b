"""indexer.writer on a real Whoosh index in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_support import index_fields, stored_ids

from indexer.errors import IndexerError
from indexer.writer import open_writer
from search import schema
from search.store.errors import IndexLockedError
from search.store.writing import open_or_create


def test_open_writer_adds_replaces_and_deletes(tmp_path):
    with open_writer(tmp_path) as dw:
        assert dw.existing() == {}
        assert dw.write(index_fields("one", title="First")) is False
        assert dw.write(index_fields("two")) is False
    with open_writer(tmp_path) as dw:
        assert set(dw.existing()) == {"one", "two"}
        assert dw.existing()["one"].source == "/src/one"
        assert dw.write(index_fields("one", title="First, revised")) is True
        assert dw.delete("two") is True
        assert dw.delete("missing") is False
    ix = open_or_create(tmp_path)
    with ix.searcher() as s:
        docs = list(s.all_stored_fields())
    assert [(d["id"], d["title"]) for d in docs] == [("one", "First, revised")]


def test_open_writer_does_not_commit_a_run_that_changed_nothing(tmp_path):
    with open_writer(tmp_path) as dw:
        dw.write(index_fields("one"))
    generation = open_or_create(tmp_path).latest_generation()
    with open_writer(tmp_path) as dw:
        assert set(dw.existing()) == {"one"}
    assert open_or_create(tmp_path).latest_generation() == generation


def test_open_writer_cancels_everything_on_error(tmp_path):
    with open_writer(tmp_path) as dw:
        dw.write(index_fields("one"))
    with pytest.raises(KeyError), open_writer(tmp_path) as dw:
        dw.write(index_fields("two"))
        dw.delete("one")
        raise KeyError("stop")
    assert stored_ids(open_or_create(tmp_path)) == {"one"}


def test_open_writer_reports_a_held_lock(tmp_path):
    ix = open_or_create(tmp_path)
    holder = ix.writer()
    try:
        with pytest.raises(IndexLockedError, match="index is locked"):
            with open_writer(tmp_path):
                pass
    finally:
        holder.cancel()


def test_open_writer_refuses_another_schema_version(tmp_path):
    open_or_create(tmp_path)
    (tmp_path / schema.VERSION_FILE).write_text('{"schema_version": 999}')
    with pytest.raises(IndexerError, match="schema version 999"):
        with open_writer(tmp_path):
            pass


def test_open_writer_reports_an_unusable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexerError, match="cannot open index"):
        with open_writer(blocker / "index"):
            pass


# --- parallel writers (search.store.parallel) ---------------------------------------


def _children() -> set[int]:
    """Process ids of this test process's live children."""
    import multiprocessing

    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def test_parallel_writers_write_a_segment_each(tmp_path, monkeypatch):
    from search.store import arrays

    monkeypatch.setattr(arrays, "MIN_DOCS", 50)  # (the sub-writers are forked)
    with open_writer(tmp_path, writers=2) as dw:
        for i in range(250):  # batches of 100 go to the sub-writers
            dw.write(index_fields(f"d{i}", title=f"Article {i}"))
    ix = open_or_create(tmp_path)
    assert stored_ids(ix) == {f"d{i}" for i in range(250)}
    segments = ix._segments()
    assert len(segments) == 2
    # each segment's postings arrays, written by its sub-writer
    assert {p.stem for p in tmp_path.glob("*" + arrays.EXT)} == {
        s.segment_id() for s in segments
    }
    assert not _children()
    with open_writer(tmp_path, writers=2) as dw:  # replace and delete across them
        assert dw.write(index_fields("d3", title="Revised")) is True
        assert dw.delete("d200") is True
    ix = open_or_create(tmp_path)
    with ix.searcher() as s:
        titles = {d["id"]: d["title"] for d in s.all_stored_fields()}
    assert len(titles) == 249 and titles["d3"] == "Revised" and "d200" not in titles


def test_parallel_writers_are_stopped_and_nothing_committed_on_error(tmp_path):
    with open_writer(tmp_path) as dw:
        dw.write(index_fields("kept"))
    with pytest.raises(KeyError), open_writer(tmp_path, writers=2) as dw:
        for i in range(300):
            dw.write(index_fields(f"d{i}"))
        assert _children()  # the sub-writers are running
        raise KeyError("stop")
    assert not _children()
    assert stored_ids(open_or_create(tmp_path)) == {"kept"}
    with open_writer(tmp_path, writers=2) as dw:  # the lock was released
        dw.write(index_fields("next"))
    assert stored_ids(open_or_create(tmp_path)) == {"kept", "next"}


def test_a_dead_sub_writer_fails_the_commit_and_commits_nothing(tmp_path):
    import os
    import signal

    from search.store.errors import SubWriterError

    with pytest.raises(SubWriterError, match="sub-writer"):
        with open_writer(tmp_path, writers=2) as dw:
            for i in range(300):
                dw.write(index_fields(f"d{i}"))
            os.kill(min(_children()), signal.SIGKILL)
    assert not _children()
    assert stored_ids(open_or_create(tmp_path)) == set()


def test_sub_writers_die_with_a_killed_indexer_and_free_the_lock(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "hold.py"
    script.write_text(
        "import sys, time\n"
        "from service_support import index_fields\n"
        "from indexer.writer import open_writer\n"
        "with open_writer(sys.argv[1], writers=2) as dw:\n"
        "    for i in range(300):\n"
        "        dw.write(index_fields(f'd{i}'))\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "ix")],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"writing"
        kids = [
            int(p)
            for p in (
                Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            )
        ]
        assert kids  # the sub-writer processes
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{k}").exists() for k in kids):
            assert time.monotonic() < deadline, "a sub-writer outlived the indexer"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    # the next run gets the lock at once and finds nothing committed
    with open_writer(tmp_path / "ix", writers=2) as dw:
        assert dw.existing() == {}
        dw.write(index_fields("after"))
    assert stored_ids(open_or_create(tmp_path / "ix")) == {"after"}
