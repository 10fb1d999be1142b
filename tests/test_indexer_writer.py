"""indexer.writer on a real Whoosh index in tmp_path."""

from __future__ import annotations

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
