"""Dependency direction between the two packages, checked in fresh interpreters.

``search`` (the service) never loads bs4, lxml or the indexer; the indexer never loads
falcon or waitress. Each check imports modules in a new subprocess and lists which
forbidden top-level packages ended up in ``sys.modules``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import search

SERVICE_FORBIDDEN = ("bs4", "lxml", "indexer")
INDEXER_FORBIDDEN = ("falcon", "waitress")

PROBE = """
import importlib, json, sys
for name in sys.argv[2:]:
    importlib.import_module(name)
forbidden = json.loads(sys.argv[1])
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(forbidden))))
"""


def _loaded(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(forbidden), *modules],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


#: The only modules of ``search`` that may import falcon or waitress.
HTTP_MODULES = frozenset(
    {"app", "resources", "resources_documents", "wsgi", "__main__", "cli", "page"}
)
#: The only modules of ``search`` the indexer may load.
INDEXER_MAY_LOAD = frozenset({"search", "search.schema", "search.writing"})

LOADED_SEARCH_MODULES = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'search')))
"""


def _indexer_modules() -> list[str]:
    folder = Path(search.__file__).parent.parent / "indexer"
    stems = [p.stem for p in folder.glob("*.py") if p.stem != "__main__"]
    return sorted(f"indexer.{stem}" for stem in stems)


def test_indexer_loads_only_schema_and_writing_of_search():
    modules = _indexer_modules()
    assert "indexer.pipeline" in modules and "indexer.parse" in modules
    result = subprocess.run(
        [sys.executable, "-c", LOADED_SEARCH_MODULES, *modules],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) <= INDEXER_MAY_LOAD
    assert _loaded(modules, INDEXER_FORBIDDEN) == []


def test_only_the_http_modules_load_falcon_or_waitress():
    modules = [
        m for m in _search_modules() if m.removeprefix("search.") not in HTTP_MODULES
    ]
    assert "search.engine" in modules and "search.middleware" in modules
    assert _loaded(modules, INDEXER_FORBIDDEN) == []
    # The probe does see a web-stack import: the app module loads falcon.
    assert _loaded(["search.app"], INDEXER_FORBIDDEN) == ["falcon"]


def test_indexer_does_not_load_the_web_stack():
    modules = [
        "indexer.pipeline",
        "indexer.cli",
        "indexer.writer",
        "indexer.sources",
        "indexer.jsonl",
    ]
    modules += [m for m in ("indexer.parse",) if _exists(m)]
    assert _loaded(modules, INDEXER_FORBIDDEN) == []


def test_search_writing_is_a_whoosh_only_leaf():
    assert _loaded(["search.writing"], (*SERVICE_FORBIDDEN, *INDEXER_FORBIDDEN)) == []


def _search_modules() -> list[str]:
    # search.wsgi and search.__main__ build or run the app when imported; every
    # other module of the package is imported.
    folder = Path(search.__file__).parent
    skip = {"wsgi", "__main__", "__init__"}
    return sorted(f"search.{p.stem}" for p in folder.glob("*.py") if p.stem not in skip)


def test_service_does_not_load_html_parsing_or_the_indexer():
    modules = _search_modules()
    assert "search.app" in modules and "search.engine" in modules
    assert _loaded(modules, SERVICE_FORBIDDEN) == []


def test_the_console_script_imports_neither_side_up_front():
    loaded = _loaded(["analysis_search_cli"], (*SERVICE_FORBIDDEN, *INDEXER_FORBIDDEN))
    assert loaded == []
