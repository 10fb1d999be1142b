"""search.writing and indexer.writer on a real Whoosh index in tmp_path."""

from __future__ import annotations

import json

import pytest
from whoosh.index import LockError

from indexer.errors import IndexerError, IndexLockedError
from indexer.writer import open_writer
from search import schema
from search.writing import (
    committing_writer,
    open_or_create,
    read_schema_version,
)


def _fields(doc_id: str, title: str = "A title", body: str = "Some body text") -> dict:
    return schema.to_index_fields(
        {"id": doc_id, "title": title, "body": body, "source": f"/src/{doc_id}"}
    )


def _ids(ix) -> set[str]:
    with ix.searcher() as s:
        return {d["id"] for d in s.all_stored_fields()}


def _fail_merge(writer, segments):
    raise OSError(28, "No space left on device")


def test_open_or_create_creates_folder_index_and_version_file(tmp_path):
    index_dir = tmp_path / "a" / "index"
    ix = open_or_create(index_dir)
    assert ix.doc_count() == 0
    assert set(ix.schema.names()) == schema.field_names()
    version = json.loads((index_dir / schema.VERSION_FILE).read_text())
    assert version == {"schema_version": schema.SCHEMA_VERSION}
    assert read_schema_version(index_dir) == schema.SCHEMA_VERSION


def test_open_or_create_opens_an_existing_index_as_it_is(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**_fields("one"))
    again = open_or_create(tmp_path)
    assert _ids(again) == {"one"}


def test_read_schema_version_of_a_folder_without_one(tmp_path):
    assert read_schema_version(tmp_path) is None
    (tmp_path / schema.VERSION_FILE).write_text("not json")
    assert read_schema_version(tmp_path) is None


def test_committing_writer_commits_on_success(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**_fields("one"))
        w.add_document(**_fields("two"))
    assert _ids(ix) == {"one", "two"}


def test_committing_writer_cancels_on_error_in_the_block(tmp_path):
    ix = open_or_create(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), committing_writer(ix) as w:
        w.add_document(**_fields("one"))
        raise RuntimeError("boom")
    assert _ids(ix) == set()
    with committing_writer(ix) as w:  # the lock was released
        w.add_document(**_fields("two"))
    assert _ids(ix) == {"two"}


def test_plain_whoosh_writer_keeps_the_lock_after_a_failed_commit(tmp_path):
    """The bug (WHOOSH-NOTES 1) that committing_writer exists to work around."""
    ix = open_or_create(tmp_path)
    leaked = ix.writer()
    leaked.mergetype = _fail_merge
    with pytest.raises(OSError), leaked:
        leaked.add_document(**_fields("one"))
    with pytest.raises(LockError):
        ix.writer()
    leaked.cancel()  # clean up: close its files and release the lock


def test_committing_writer_releases_the_lock_when_commit_fails(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**_fields("old"))
    with pytest.raises(OSError, match="No space left"), committing_writer(ix) as w:
        w.add_document(**_fields("new"))
        w.mergetype = _fail_merge  # makes commit() itself fail
    assert _ids(ix) == {"old"}
    with committing_writer(ix) as w:  # not left write-locked
        w.add_document(**_fields("new"))
    assert _ids(ix) == {"old", "new"}


def test_committing_writer_lets_lock_error_through(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**_fields("one"))
        with pytest.raises(LockError), committing_writer(ix):
            pass
    assert _ids(ix) == {"one"}


def test_committing_writer_waits_up_to_timeout(tmp_path):
    ix = open_or_create(tmp_path)
    holder = ix.writer()
    try:
        with pytest.raises(LockError), committing_writer(ix, timeout=0.2):
            pass
    finally:
        holder.cancel()


def test_open_writer_adds_replaces_and_deletes(tmp_path):
    with open_writer(tmp_path) as dw:
        assert dw.existing() == {}
        assert dw.write(_fields("one", title="First")) is False
        assert dw.write(_fields("two")) is False
    with open_writer(tmp_path) as dw:
        assert set(dw.existing()) == {"one", "two"}
        assert dw.existing()["one"].source == "/src/one"
        assert dw.write(_fields("one", title="First, revised")) is True
        assert dw.delete("two") is True
        assert dw.delete("missing") is False
    ix = open_or_create(tmp_path)
    with ix.searcher() as s:
        docs = list(s.all_stored_fields())
    assert [(d["id"], d["title"]) for d in docs] == [("one", "First, revised")]


def test_open_writer_does_not_commit_a_run_that_changed_nothing(tmp_path):
    with open_writer(tmp_path) as dw:
        dw.write(_fields("one"))
    generation = open_or_create(tmp_path).latest_generation()
    with open_writer(tmp_path) as dw:
        assert set(dw.existing()) == {"one"}
    assert open_or_create(tmp_path).latest_generation() == generation


def test_open_writer_cancels_everything_on_error(tmp_path):
    with open_writer(tmp_path) as dw:
        dw.write(_fields("one"))
    with pytest.raises(KeyError), open_writer(tmp_path) as dw:
        dw.write(_fields("two"))
        dw.delete("one")
        raise KeyError("stop")
    assert _ids(open_or_create(tmp_path)) == {"one"}


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
