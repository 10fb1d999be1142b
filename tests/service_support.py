"""Helpers of the service tests: the example corpus as an index, a waitress process.

The example articles (``examples/content``) are turned into fielded documents by
``examples/render.py`` (what a perfect extractor outputs) and written with the shared
``search.store.writing`` helpers, so the service tests do not depend on extraction
quality.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from search import schema
from search.store.writing import committing_writer, open_or_create
from search.web.documents import document_path

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "examples" / "render.py"
PYTHON = sys.executable
#: A key long enough for ``Config.validate``.
API_KEY = "test-key-0123456789abcdef"


def load_render() -> Any:
    """Import ``examples/render.py`` (a script, not a package) once per process.

    ``benchmarks.corpus.load_render`` registers the same module name, so every user
    shares one module object.
    """
    name = "examples_render"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, RENDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@cache
def _example_documents() -> tuple[dict[str, Any], ...]:
    expected = sorted((ROOT / "examples" / "expected").glob("*.json"))
    if expected:
        return tuple(json.loads(p.read_text("utf-8")) for p in expected)
    render = load_render()
    return tuple(render.expected_document(a) for a in render.load_articles())


def example_documents() -> list[dict[str, Any]]:
    """The fielded documents of every example article (a perfect extraction)."""
    return [dict(d) for d in _example_documents()]


def build_index(index_dir: Path, docs: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``docs`` into a (new or existing) index in ``index_dir``."""
    ix = open_or_create(index_dir)
    try:
        with committing_writer(ix) as writer:
            for doc in docs:
                writer.update_document(**schema.to_index_fields(doc))
    finally:
        ix.close()
    return index_dir


def write_jsonl(path: Path, docs: Iterable[Mapping[str, Any]]) -> Path:
    """Write documents one JSON object a line (``analysis-search index --jsonl``)."""
    with path.open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


def make_doc(doc_id: str, title: str, body: str, **fields: Any) -> dict[str, Any]:
    """A small fielded document."""
    return {"id": doc_id, "title": title, "body": body, **fields}


# --- a real waitress process --------------------------------------------------------


class Server:
    """A waitress subprocess serving ``search.wsgi:app`` on a free loopback port."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.log = log

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP request; returns (status, headers, body) for every status."""
        req = urllib.request.Request(
            self.url + path, data=body, method=method, headers=dict(headers or {})
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.headers, err.read()

    def get_json(self, path: str) -> Any:
        """GET a path that must answer 200 with JSON."""
        status, _, body = self.request("GET", path)
        assert status == 200, (status, body[:500])
        return json.loads(body)

    def stop(self) -> str:
        """Terminate the process; return its log."""
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
        return self.log.read_text("utf-8", "replace")


def start_server(
    env_overrides: Mapping[str, str],
    log_dir: Path,
    *,
    command: list[str] | None = None,
    attempts: int = 3,
    deadline_s: float = 30.0,
    port: int | None = None,
) -> Server:
    """Start waitress on a fresh port (retrying on another port if it fails to bind).

    Args:
        env_overrides: ``ANALYSIS_SEARCH_*`` settings (the index at least).
        log_dir: Where the process's output is written.
        command: Extra words after the python interpreter; ``{port}`` is replaced
            (default ``-m waitress --listen=127.0.0.1:{port} search.wsgi:app``).
        attempts: Ports tried.
        deadline_s: Seconds to wait for ``/health`` on each attempt.
        port: A fixed port (one attempt), else a free one per attempt.

    Returns:
        The running server.
    """
    words = command or [
        "-m",
        "waitress",
        "--threads=8",
        "--listen=127.0.0.1:{port}",
        "search.wsgi:app",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_SEARCH_")}
    env.update(env_overrides)
    env["PYTHONUNBUFFERED"] = "1"
    problems: list[str] = []
    fixed = port
    for attempt in range(1 if fixed else attempts):
        port = fixed or falcon.testing.get_unused_port()
        log = log_dir / f"server-{port}-{attempt}-{time.monotonic_ns()}.log"
        argv = [PYTHON, *(w.replace("{port}", str(port)) for w in words)]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _, _ = server.request("GET", "/health", timeout=2)
            except OSError:  # not listening yet
                status = 0
            if status == 200:
                return server
            time.sleep(0.1)
        problems.append(f"attempt {attempt + 1}, port {port}: {server.stop()[-2000:]}")
    else:
        pytest.fail("the server never became healthy:\n" + "\n".join(problems))
    raise AssertionError("unreachable")


def index_fields(
    doc_id: str, title: str = "A title", body: str = "Some body text"
) -> dict[str, Any]:
    """Index fields of a small document (its ``source`` is ``/src/<id>``)."""
    return schema.to_index_fields(
        {"id": doc_id, "title": title, "body": body, "source": f"/src/{doc_id}"}
    )


def stored_ids(ix: Any) -> set[str]:
    """Ids of every document committed in an open index."""
    with ix.searcher() as s:
        return {d["id"] for d in s.all_stored_fields()}


def serve_command(index: Path, *extra: str) -> list[str]:
    """``analysis-search serve`` of ``index`` on ``{port}`` (for ``start_server``)."""
    return [
        str(ROOT / "analysis_search_cli.py"),
        "serve",
        "--index",
        str(index),
        "--port",
        "{port}",
        *extra,
    ]


def doc_path(doc_id: str, suffix: str = "") -> str:
    """``/documents/{id}`` with the id percent-encoded as one segment."""
    return document_path(doc_id) + suffix
