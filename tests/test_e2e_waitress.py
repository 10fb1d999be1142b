"""End to end: a real waitress process on a free loopback port, over real HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from service_support import (
    API_KEY,
    ROOT,
    doc_path,
    example_documents,
    start_server,
    write_jsonl,
)

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": f"Bearer {API_KEY}"}
TURKIYE = "https://meridian-review.example/energy/turkiye-black-sea-gas-pricing"


@pytest.fixture(scope="module")
def served_index(tmp_path_factory, examples_index):
    """A writable copy of the example index (the tests write into it)."""
    target = tmp_path_factory.mktemp("e2e") / "index"
    shutil.copytree(examples_index, target)
    return target


@pytest.fixture(scope="module")
def server(served_index, tmp_path_factory):
    srv = start_server(
        {
            "ANALYSIS_SEARCH_INDEX": str(served_index),
            "ANALYSIS_SEARCH_API_KEY": API_KEY,
            "ANALYSIS_SEARCH_REFRESH_INTERVAL": "0.2",
        },
        tmp_path_factory.mktemp("e2e-logs"),
    )
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log[-3000:]


def test_search_with_facets_and_filters_over_http(server):
    query = urlencode(
        [("q", "gas"), ("tag", "Energy"), ("facets", "tags,section"), ("per_page", 5)]
    )
    status, headers, body = server.request("GET", "/search?" + query)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "public, max-age=10"
    assert int(headers["Content-Length"]) == len(body)
    result = json.loads(body)
    assert result["hits"] and all("Energy" in h["tags"] for h in result["hits"])
    assert TURKIYE in [h["id"] for h in result["hits"][:3]]
    assert set(result["facets"]) == {"tags", "section"}
    sections = {v["value"]: v["count"] for v in result["facets"]["section"]["values"]}
    assert sum(sections.values()) == result["total"]

    status, headers, body = server.request("GET", doc_path(TURKIYE))
    assert status == 200
    assert json.loads(body)["id"] == TURKIYE  # %2F in the id survived waitress

    status, headers, body = server.request("GET", "/no/such/route")
    assert status == 404
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert set(json.loads(body)) == {"title", "description"}


def test_writes_with_and_without_the_key(server):
    doc = {"title": "Hydrogen valleys of Europe", "body": "Electrolysers. " * 30}
    path = doc_path("https://meridian-review.example/energy/hydrogen-valleys")
    payload = json.dumps(doc).encode()
    json_type = {"Content-Type": "application/json"}
    status, headers, _ = server.request("PUT", path, body=payload, headers=json_type)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")

    status, headers, body = server.request(
        "PUT", path, body=payload, headers={**AUTH, **json_type}
    )
    assert status == 201, body
    assert headers["Location"] == path
    found = server.get_json("/search?q=electrolysers")
    assert [h["id"] for h in found["hits"]] == [json.loads(body)["id"]]

    page = sorted((ROOT / "examples" / "articles").glob("*.html"))[0].read_bytes()
    html_path = doc_path("cms:12345")
    status, _, body = server.request(
        "PUT", html_path, body=page, headers={**AUTH, "Content-Type": "text/html"}
    )
    assert status == 201, body
    title = json.loads(body)["document"]["title"]
    assert title
    status, _, _ = server.request(
        "PUT", html_path, body=page, headers={**AUTH, "Content-Type": "text/html"}
    )
    assert status == 200  # replaced

    for p in (path, html_path):
        status, _, body = server.request("DELETE", p, headers=AUTH)
        assert status == 204
        assert body == b""
        assert server.request("GET", p)[0] == 404
    assert server.get_json("/search?q=electrolysers")["total"] == 0


def test_concurrent_requests_across_threads(server):
    paths = [
        "/search?q=gas&facets=tags,year",
        "/search?q=central+banks&sort=newest",
        "/suggest?q=tur",
        "/documents/" + TURKIYE.replace("/", "%2F").replace(":", "%3A") + "/related",
        "/health",
    ] * 12
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda p: server.request("GET", p), paths))
    assert [r[0] for r in results] == [200] * len(paths)
    gas = {
        r[2]
        for p, r in zip(paths, results, strict=True)
        if p.startswith("/search?q=gas")
    }
    assert len(gas - {b""}) >= 1
    totals = {json.loads(b)["total"] for b in gas}
    assert len(totals) == 1  # every thread saw the same index


def test_indexer_run_while_searching_is_served_without_restart(
    server, served_index, tmp_path
):
    word = "zyxquartz"
    docs = [
        {
            "id": f"https://meridian-review.example/new/{n}",
            "title": f"New analysis {n} on {word}",
            "body": f"A fresh article about {word} and markets number {n}. " * 10,
            "tags": ["Markets"],
            "published": "2025-06-01T00:00:00Z",
        }
        for n in range(20)
    ]
    jsonl = write_jsonl(tmp_path / "new.jsonl", docs)
    errors: list[object] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                status, _, body = server.request("GET", "/search?q=gas+markets")
            except OSError as exc:  # pragma: no cover - reported below
                errors.append(exc)
                continue
            if status != 200:
                errors.append((status, body[:300]))

    threads = [threading.Thread(target=search_loop) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                str(ROOT / "analysis_search_cli.py"),
                "index",
                "--jsonl",
                str(jsonl),
                "--index",
                str(served_index),
                "--quiet",
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr.decode()
        finished = time.monotonic()
        for _ in range(40):
            if server.get_json(f"/search?q={word}&facets=")["total"] == len(docs):
                break
            time.sleep(0.05)
        else:
            pytest.fail("documents indexed by another process never became visible")
        # refresh_interval is 0.2 s: ~1 s is typical, 5 s leaves room for a busy CI
        assert time.monotonic() - finished < 5.0
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert errors == []
    assert server.get_json("/health")["documents"] >= len(example_documents()) + len(
        docs
    )


def test_analysis_search_serve_and_waitress_call(served_index, tmp_path):
    """Both documented ways to start the server work (env and options)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    cli = start_server(
        {},
        logs,
        command=[
            "-m",
            "search",
            "serve",
            "--index",
            str(served_index),
            "--port",
            "{port}",
            "--threads",
            "2",
        ],
    )
    try:
        assert cli.get_json("/health")["status"] == "ok"
        assert cli.get_json("/search?q=gas")["total"] > 0
    finally:
        log = cli.stop()
    assert "GET /search 200" in log  # the one-line request log

    call = start_server(
        {"ANALYSIS_SEARCH_INDEX": str(served_index)},
        logs,
        command=[
            "-m",
            "waitress",
            "--listen=127.0.0.1:{port}",
            "--call",
            "search.web.app:create_app",
        ],
    )
    try:
        status, headers, _ = call.request("GET", "/stats")
        assert status == 200
        assert headers["Cache-Control"] == "no-store"
    finally:
        call.stop()


def test_serve_refuses_a_missing_index(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "search", "serve", "--index", str(tmp_path / "none")],
        capture_output=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert b"ANALYSIS_SEARCH_INDEX" in proc.stderr
    assert b"Traceback" not in proc.stderr
    assert Path(tmp_path / "none").exists() is False
