"""search.store: the one write path, the schema check, and the Whoosh internals it
relies on (pinned to one Whoosh version), on real indexes in tmp_path."""

from __future__ import annotations

import json

import pytest
from service_support import index_fields, stored_ids
from whoosh.index import LockError

from search import schema
from search.errors import SchemaMismatchError
from search.store import blocks, pinned, storage
from search.store.errors import IndexLockedError
from search.store.index import check_schema, read_version
from search.store.writing import committing_writer, open_or_create


def _fail_merge(writer, segments):
    raise OSError(28, "No space left on device")


def test_open_or_create_creates_folder_index_and_version_file(tmp_path):
    index_dir = tmp_path / "a" / "index"
    ix = open_or_create(index_dir)
    assert ix.doc_count() == 0
    assert set(ix.schema.names()) == schema.field_names()
    version = json.loads((index_dir / schema.VERSION_FILE).read_text())
    assert version == {"schema_version": schema.SCHEMA_VERSION}
    assert read_version(index_dir) == schema.SCHEMA_VERSION


def test_open_or_create_opens_an_existing_index_as_it_is(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**index_fields("one"))
    again = open_or_create(tmp_path)
    assert stored_ids(again) == {"one"}


def test_read_version_of_a_folder_without_one(tmp_path):
    assert read_version(tmp_path) is None
    (tmp_path / schema.VERSION_FILE).write_text("not json")
    assert read_version(tmp_path) is None


def test_committing_writer_commits_on_success(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**index_fields("one"))
        w.add_document(**index_fields("two"))
    assert stored_ids(ix) == {"one", "two"}


def test_committing_writer_cancels_on_error_in_the_block(tmp_path):
    ix = open_or_create(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), committing_writer(ix) as w:
        w.add_document(**index_fields("one"))
        raise RuntimeError("boom")
    assert stored_ids(ix) == set()
    with committing_writer(ix) as w:  # the lock was released
        w.add_document(**index_fields("two"))
    assert stored_ids(ix) == {"two"}


def test_plain_whoosh_writer_keeps_the_lock_after_a_failed_commit(tmp_path):
    """The bug (WHOOSH-NOTES 1) that committing_writer exists to work around."""
    ix = open_or_create(tmp_path)
    leaked = ix.writer()
    leaked.mergetype = _fail_merge
    with pytest.raises(OSError), leaked:
        leaked.add_document(**index_fields("one"))
    with pytest.raises(LockError):
        ix.writer()
    leaked.cancel()  # clean up: close its files and release the lock


def test_committing_writer_releases_the_lock_when_commit_fails(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**index_fields("old"))
    with pytest.raises(OSError, match="No space left"), committing_writer(ix) as w:
        w.add_document(**index_fields("new"))
        w.mergetype = _fail_merge  # makes commit() itself fail
    assert stored_ids(ix) == {"old"}
    with committing_writer(ix) as w:  # not left write-locked
        w.add_document(**index_fields("new"))
    assert stored_ids(ix) == {"old", "new"}


def test_committing_writer_reports_a_held_lock_as_index_locked(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**index_fields("one"))
        with (
            pytest.raises(IndexLockedError, match="index is locked"),
            committing_writer(ix),
        ):
            pass
    assert stored_ids(ix) == {"one"}


def test_committing_writer_waits_up_to_timeout(tmp_path):
    ix = open_or_create(tmp_path)
    holder = ix.writer()
    try:
        with pytest.raises(IndexLockedError), committing_writer(ix, timeout=0.2):
            pass
    finally:
        holder.cancel()


def test_committing_writer_cancels_when_nothing_changed(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**index_fields("one"))
    before = ix.latest_generation()
    with committing_writer(ix, changed=lambda: False) as w:
        w.add_document(**index_fields("two"))
    assert ix.latest_generation() == before
    assert stored_ids(ix) == {"one"}


def test_check_schema_refuses_another_version(tmp_path):
    ix = open_or_create(tmp_path)
    (tmp_path / schema.VERSION_FILE).write_text('{"schema_version": 999}')
    with pytest.raises(SchemaMismatchError, match="schema version 999"):
        check_schema(tmp_path, ix)


# --- the pinned Whoosh internals --------------------------------------------------
def test_whoosh_is_the_version_the_store_was_written_for():
    """Fails loudly on a Whoosh upgrade: re-read every private name used in
    ``search.store`` (``blocks``, ``storage``) before changing the pin."""
    assert pinned.is_pinned_version(), (
        f"Whoosh {pinned.whoosh_version()} is installed; search.store was written "
        f"against {pinned.PINNED_WHOOSH}"
    )


def test_the_private_names_the_store_uses_still_exist(tmp_path):
    from whoosh.filedb import compound
    from whoosh.filedb.structfile import BufferFile

    assert hasattr(compound, "BufferFile") and hasattr(compound, "CompoundStorage")
    assert issubclass(storage.ZeroCopyBufferFile, BufferFile)
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        w.add_document(**index_fields("one", body="energy policy energy"))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert blocks.segment_key(reader) is not None
        m = reader.postings(schema.BODY, b"energi")
        leaf = getattr(m, "child", m)
        for name in (
            "_read_ids",
            "_read_weights",
            "_read_values",
            "_next_block",
            "_atend",
            "_blocklength",
            "_maxid",
        ):
            assert hasattr(leaf, name), name


def test_block_readers_agree_with_the_public_matcher(tmp_path):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        for i in range(300):
            body = "energy " * (1 + i % 3) + ("policy" if i % 2 else "grid")
            w.add_document(**index_fields(f"d{i}", body=body))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids, weights = blocks.read_postings(reader, schema.BODY, b"energi")
        m = reader.postings(schema.BODY, b"energi")
        public = []
        while m.is_active():
            public.append((m.id(), m.weight()))
            m.next()
        assert list(zip(ids, weights, strict=True)) == public
        wanted = [3, 150, 299]
        positions = blocks.term_positions(reader, schema.BODY, b"energi", wanted)
        assert positions == {3: [0], 150: [0], 299: [0, 1, 2]}
