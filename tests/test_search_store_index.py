"""Opening an index: missing folders, non-indexes, other schema versions or fields."""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.compound import CompoundStorage
from whoosh.query import Every

from search import schema
from search.engine import SearchEngine
from search.errors import IndexUnavailableError, SchemaMismatchError
from search.store import storage
from search.store.index import open_index


def test_opens_a_good_index(search_index_dir: Path) -> None:
    ix = open_index(search_index_dir)
    try:
        assert ix.doc_count() > 0
    finally:
        ix.close()


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError, match="does not exist"):
        open_index(tmp_path / "nope")


def test_folder_without_index(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(IndexUnavailableError, match="holds no index"):
        open_index(tmp_path)


def test_other_schema_version(
    tmp_path: Path, search_docs: list[dict[str, object]]
) -> None:
    ix = whoosh_index.create_in(str(tmp_path), schema.ArticleSchema())
    ix.close()
    (tmp_path / schema.VERSION_FILE).write_text(
        json.dumps({"schema_version": schema.SCHEMA_VERSION + 1})
    )
    with pytest.raises(SchemaMismatchError, match="schema version"):
        open_index(tmp_path)


def test_missing_version_file(tmp_path: Path) -> None:
    whoosh_index.create_in(str(tmp_path), schema.ArticleSchema()).close()
    with pytest.raises(SchemaMismatchError):
        open_index(tmp_path)


def test_other_fields(tmp_path: Path) -> None:
    whoosh_index.create_in(
        str(tmp_path), Schema(id=ID(stored=True), text=TEXT())
    ).close()
    (tmp_path / schema.VERSION_FILE).write_text(
        json.dumps({"schema_version": schema.SCHEMA_VERSION})
    )
    with pytest.raises(SchemaMismatchError, match="missing"):
        open_index(tmp_path)


def test_engine_refuses_bad_index(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError):
        SearchEngine(tmp_path / "absent")


def _compound(searcher: object) -> CompoundStorage:
    store = searcher.reader()._storage  # type: ignore[attr-defined]
    for part in (store, getattr(store, "a", None), getattr(store, "b", None)):
        if isinstance(part, CompoundStorage):
            return part
    raise AssertionError(f"no compound segment storage in {store!r}")


def test_searchers_share_one_memory_map(
    tmp_path: Path,
    search_docs: list[dict[str, Any]],
    index_builder: Callable[[Path, list[dict[str, Any]]], Path],
) -> None:
    # one map per segment file, not one per searcher: the resident size of a
    # service with eight threads' searchers must not count the index eight times.
    # A private index: the session index's maps are shared with other tests'
    # engines, whose background threads open and close searchers at any time.
    ix = open_index(index_builder(tmp_path / "index", search_docs))
    first, second = ix.searcher(), ix.searcher()
    try:
        a, b = _compound(first), _compound(second)
        assert isinstance(a._source, mmap.mmap)
        assert a._source is b._source
        key = b._shared_key
        assert storage._shared_maps[key][1] == 2
        first.close()
        # the other searcher still reads after the first one closed
        assert second.doc_count() > 0
        assert second.search(Every(), limit=3).scored_length() == 3
        assert len(bytes(b._source[:16])) == 16
    finally:
        second.close()
        ix.close()
    # every user gave its map back
    assert key not in storage._shared_maps
