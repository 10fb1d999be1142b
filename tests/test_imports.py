"""The architecture, checked: dependency direction between the two packages, the
layers of ``search`` and where Whoosh's internals may be touched.

* ``search`` (the service) never loads bs4, lxml or the indexer; the indexer never
  loads falcon or waitress, and of ``search`` only the schema and the store. These
  checks import modules in fresh subprocesses and list what ended up in
  ``sys.modules``.
* ``search``'s layers import downward only: web -> engine -> scoring | query ->
  store -> the root leaves (schema, errors, models, config, cache). Read from each
  module's own import statements (``ast``), so a new upward arrow fails here with
  the module and line that drew it.
* Whoosh's private names (``x._name`` on another object, ``from whoosh... import
  _name``, the ``whoosh.filedb`` / ``whoosh.codec`` / ``whoosh.matching``
  internals) appear only in ``search/store/``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import search

ROOT = Path(search.__file__).resolve().parent.parent
SEARCH = ROOT / "search"

SERVICE_FORBIDDEN = ("bs4", "lxml", "indexer")
INDEXER_FORBIDDEN = ("falcon", "waitress")

PROBE = """
import importlib, json, sys
for name in sys.argv[2:]:
    importlib.import_module(name)
forbidden = json.loads(sys.argv[1])
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(forbidden))))
"""

LOADED_SEARCH_MODULES = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'search')))
"""

#: Layer of each part of ``search``: a module may import only lower layers (and
#: modules of its own subpackage). ``scoring`` and ``query`` are siblings.
LAYERS: dict[str, int] = {
    "schema": 0,
    "languages": 0,
    "errors": 0,
    "models": 0,
    "config": 0,
    "cache": 0,
    "settings": 0,
    "store": 1,
    "scoring": 2,
    "query": 2,
    "engine": 3,
    "web": 4,
    "cli": 5,
    "wsgi": 5,
    "supervisor": 4,
    "__main__": 6,
}
#: What each root leaf may import of ``search`` (schema: its analysers only).
LEAF_IMPORTS: dict[str, frozenset[str]] = {
    "schema": frozenset({"languages"}),
    "languages": frozenset(),
    "errors": frozenset(),
    "cache": frozenset(),
    "models": frozenset({"schema", "languages", "errors"}),
    "config": frozenset({"errors"}),
    "settings": frozenset({"schema", "errors"}),
}
#: Parts of ``search`` that may import falcon or waitress.
HTTP_PARTS = frozenset({"web", "cli", "wsgi", "__main__"})
#: The only modules of ``search`` the indexer may load.
INDEXER_MAY_LOAD = frozenset(
    {
        "search",
        "search.schema",
        "search.languages",
        "search.errors",
        "search.store",
        "search.store.arrays",
        "search.store.blocks",
        "search.store.errors",
        "search.store.index",
        "search.store.storage",
        "search.store.parallel",
        "search.store.writing",
    }
)
#: Whoosh modules whose contents are internals (storage, codecs, matchers).
WHOOSH_INTERNAL_MODULES = ("whoosh.filedb", "whoosh.codec", "whoosh.matching")


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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _search_files() -> list[Path]:
    return sorted(SEARCH.rglob("*.py"))


def _search_modules() -> list[str]:
    # search.wsgi and search.__main__ build or run the app when imported
    skip = {"search.wsgi", "search.__main__"}
    return [m for m in map(_module_name, _search_files()) if m not in skip]


def _indexer_modules() -> list[str]:
    stems = [p.stem for p in (ROOT / "indexer").glob("*.py") if p.stem != "__main__"]
    return sorted(f"indexer.{stem}" for stem in stems)


def _part(module: str) -> str:
    """``search.engine.run`` -> ``engine``; ``search.models`` -> ``models``."""
    return module.split(".")[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import statement of a file (relative ones resolved)."""
    tree = ast.parse(path.read_text("utf-8"))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = _module_name(path).split(".")
                if path.name != "__init__.py":
                    pkg = pkg[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join([*pkg, base] if base else pkg)
            out.append((node.lineno, base))
            # ``from search import schema`` imports the module search.schema
            if base == "search":
                out += [(node.lineno, f"search.{a.name}") for a in node.names]
    return out


def _search_imports() -> list[tuple[str, int, str]]:
    """(importing module, line, imported search module) across the package."""
    found = []
    for path in _search_files():
        me = _module_name(path)
        for line, target in _imports(path):
            if target.startswith("search.") and target != me:
                found.append((me, line, target))
    return found


# --- layers ---------------------------------------------------------------------
def test_every_part_of_search_has_a_layer():
    parts = {_part(m) for m in _search_modules() if m != "search"}
    assert parts <= set(LAYERS), f"unknown parts: {sorted(parts - set(LAYERS))}"
    for sub in ("web", "engine", "scoring", "query", "store"):
        assert (SEARCH / sub / "__init__.py").is_file(), sub


def _upward(imports: list[tuple[str, int, str]]) -> list[str]:
    """The imports that do not go to a lower layer (nor stay in their part)."""
    upward = []
    for me, line, target in imports:
        mine, theirs = _part(me), _part(target)
        if mine in LEAF_IMPORTS and theirs in LEAF_IMPORTS:
            continue  # between the root leaves: ``LEAF_IMPORTS`` says what is allowed
        if mine != theirs and LAYERS[theirs] >= LAYERS[mine]:
            upward.append(f"{me}:{line} imports {target}")
    return upward


def test_layers_import_downward_only():
    assert _upward(_search_imports()) == []


def test_root_leaves_import_only_what_they_are_allowed():
    wrong = []
    for me, line, target in _search_imports():
        mine = _part(me)
        if mine in LEAF_IMPORTS and _part(target) not in LEAF_IMPORTS[mine]:
            wrong.append(f"{me}:{line} imports {target}")
    assert wrong == []


def test_the_layer_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker is not vacuous: a store module importing the engine is caught."""
    fake = tmp_path / "search" / "store"
    fake.mkdir(parents=True)
    bad = fake / "bad.py"
    bad.write_text("from search.engine.run import RequestRun\nfrom . import blocks\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = [("search.store.bad", line, target) for line, target in _imports(bad)]
    assert found == [
        ("search.store.bad", 1, "search.engine.run"),
        ("search.store.bad", 2, "search.store"),
    ]
    assert _upward(found) == ["search.store.bad:1 imports search.engine.run"]
    sideways = [("search.query.x", 1, "search.scoring.postings")]
    assert _upward(sideways) == ["search.query.x:1 imports search.scoring.postings"]


@pytest.mark.parametrize("part", sorted(set(LAYERS) - HTTP_PARTS))
def test_only_the_http_layer_imports_the_web_stack(part):
    offenders = [
        f"{_module_name(p)}:{line} imports {target}"
        for p in _search_files()
        if _module_name(p) != "search" and _part(_module_name(p)) == part
        for line, target in _imports(p)
        if target.split(".")[0] in INDEXER_FORBIDDEN
    ]
    assert offenders == []


# --- Whoosh internals -------------------------------------------------------------
def _private_uses(path: Path) -> list[str]:
    """Whoosh internals touched by a file: private attributes of other objects,
    private names imported from whoosh, and whoosh's internal modules."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
            private = name.startswith("_") and not name.startswith("__")
            owner = node.value
            mine = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            # os._exit is a public function despite its name (a child's exit)
            public = isinstance(owner, ast.Name) and (owner.id, name) == ("os", "_exit")
            if private and not mine and not public:
                found.append(f"{path.name}:{node.lineno} .{name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "whoosh"
        ):
            module = node.module or ""
            if module.startswith(WHOOSH_INTERNAL_MODULES):
                found.append(f"{path.name}:{node.lineno} from {module}")
            found += [
                f"{path.name}:{node.lineno} import {a.name}"
                for a in node.names
                if a.name.startswith("_")
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} import {a.name}"
                for a in node.names
                if a.name.startswith(WHOOSH_INTERNAL_MODULES)
            ]
    return found


def test_whoosh_internals_are_touched_only_in_the_store():
    outside = [
        use
        for path in _search_files()
        if "store" not in path.relative_to(SEARCH).parts
        for use in _private_uses(path)
    ]
    outside += [
        use for path in (ROOT / "indexer").glob("*.py") for use in _private_uses(path)
    ]
    assert outside == []


def test_the_store_is_where_the_internals_are():
    """The check above looks at the right thing: the store does use them."""
    inside = [u for p in (SEARCH / "store").glob("*.py") for u in _private_uses(p)]
    assert any("blocks.py" in u and "._read_ids" in u for u in inside)
    assert any("storage.py" in u and "whoosh.filedb" in u for u in inside)


# --- the two packages -------------------------------------------------------------
def test_indexer_loads_only_schema_and_store_of_search():
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
        m for m in _search_modules() if m == "search" or _part(m) not in HTTP_PARTS
    ]
    assert "search.engine.facade" in modules and "search.store.index" in modules
    assert _loaded(modules, INDEXER_FORBIDDEN) == []
    # The probe does see a web-stack import: the app module loads falcon.
    assert _loaded(["search.web.app"], INDEXER_FORBIDDEN) == ["falcon"]


def test_the_store_is_a_whoosh_only_layer():
    modules = [m for m in _search_modules() if m.startswith("search.store")]
    assert "search.store.writing" in modules
    assert _loaded(modules, (*SERVICE_FORBIDDEN, *INDEXER_FORBIDDEN)) == []


def test_service_does_not_load_html_parsing_or_the_indexer():
    modules = _search_modules()
    assert "search.web.app" in modules and "search.engine" in modules
    assert _loaded(modules, SERVICE_FORBIDDEN) == []


def test_the_console_script_imports_neither_side_up_front():
    loaded = _loaded(["analysis_search_cli"], (*SERVICE_FORBIDDEN, *INDEXER_FORBIDDEN))
    assert loaded == []
