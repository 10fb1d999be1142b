"""Shared pytest fixtures: the corpus paths, "an index of the examples", "a client".

Read-side tests share indexes built once per session (treat them as read-only);
tests that write build their own with ``index_builder`` in ``tmp_path``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from service_support import API_KEY, build_index, example_documents

from search.config import Config
from search.engine import SearchEngine
from search.web.app import create_app

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


# --- the example articles ------------------------------------------------------------
@pytest.fixture(scope="session")
def examples_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One read-only index of the example articles (``examples/content``)."""
    index_dir = tmp_path_factory.mktemp("service-examples") / "index"
    return build_index(index_dir, example_documents())


@pytest.fixture(scope="module")
def client(examples_index: Path) -> falcon.testing.TestClient:
    """The app over the examples index, with the write key set (a fresh app, and so
    fresh request metrics, per test module)."""
    return falcon.testing.TestClient(
        create_app(Config(index=examples_index, api_key=API_KEY))
    )
