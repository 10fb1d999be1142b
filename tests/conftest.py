"""Shared pytest fixtures: paths of the project's corpus and fixture data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from search import schema
from search.engine import SearchEngine
from search.store.writing import committing_writer, open_or_create

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
DATA = Path(__file__).resolve().parent / "data"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled example articles."""
    return EXAMPLES


# --- search engine fixtures -----------------------------------------------------------
#: Hand-written fielded documents for precise ranking, facet and highlight tests.
SEARCH_DOCS = DATA / "docs.jsonl"


def load_search_docs() -> list[dict[str, Any]]:
    """The documents of ``tests/data/docs.jsonl``."""
    with SEARCH_DOCS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build_index(index_dir: Path, docs: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``docs`` into a new index in ``index_dir`` (the shared write helpers)."""
    ix = open_or_create(index_dir)
    try:
        with committing_writer(ix, timeout=5.0) as writer:
            for doc in docs:
                writer.update_document(**schema.to_index_fields(doc))
    finally:
        ix.close()
    return index_dir


@pytest.fixture(scope="session")
def search_docs() -> list[dict[str, Any]]:
    """The hand-written documents, as dicts."""
    return load_search_docs()


@pytest.fixture(scope="session")
def search_index_dir(
    tmp_path_factory: pytest.TempPathFactory, search_docs: list[dict[str, Any]]
) -> Path:
    """An index of ``tests/data/docs.jsonl``, built once per session (read-only)."""
    return build_index(tmp_path_factory.mktemp("search-index") / "index", search_docs)


@pytest.fixture(scope="session")
def engine(search_index_dir: Path) -> Iterator[SearchEngine]:
    """A search engine over the session index (do not write through it)."""
    eng = SearchEngine(search_index_dir)
    yield eng
    eng.close()


@pytest.fixture()
def writable_engine(
    tmp_path: Path, search_docs: list[dict[str, Any]]
) -> Iterator[SearchEngine]:
    """A search engine over a fresh copy of the hand-written index, for writes."""
    eng = SearchEngine(build_index(tmp_path / "index", search_docs))
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def index_builder() -> Callable[[Path, Iterable[Mapping[str, Any]]], Path]:
    """``build_index(index_dir, docs)``: write fielded documents into a new index."""
    return build_index
