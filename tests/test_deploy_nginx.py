"""The many-machine recipe, for real: Debian's nginx on loopback in front of two
read-only replicas serving a snapshot, and one writer.

* A bounded load of searches while one replica is killed with SIGKILL and
  restarted: no request fails at the client (nginx retries the next replica).
* The whole flow: a document PUT through nginx reaches the writer; a snapshot,
  rsync into a new folder, a symlink switched with ``mv -T``; the replicas pick it
  up without a restart and the document is found through nginx.

The nginx configuration is ``deploy/nginx/analysis-search.conf`` as shipped, with
only its addresses and its rate limit rewritten (the load comes from one address).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import falcon.testing
import pytest
from service_support import (
    API_KEY,
    PYTHON,
    ROOT,
    Server,
    serve_command,
    start_server,
)

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SNIPPET = ROOT / "deploy" / "nginx" / "analysis-search.conf"
#: Load phase: client threads; searches answered before the kill, and by the
#: restarted replica after it; seconds the whole phase may take at most.
CLIENTS = 4
BEFORE_KILL = 100
AFTER_RESTART = 30
LOAD_DEADLINE = 60.0

if not Path(NGINX).exists():  # pragma: no cover - .ci/run installs it
    pytest.skip(
        "Debian's nginx is not installed (apt-get install nginx; .ci/run does it)",
        allow_module_level=True,
    )


def _ports(n: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        port = falcon.testing.get_unused_port()
        if port not in ports:
            ports.append(port)
    return ports


class Nginx:
    """nginx in the foreground with a config made from the shipped snippet."""

    def __init__(self, work: Path, listen: int, replicas: list[int], writer: int):
        snippet = SNIPPET.read_text()
        replaced = {
            "listen 127.0.0.1:8080;": f"listen 127.0.0.1:{listen};",
            "server 127.0.0.1:8081 ": f"server 127.0.0.1:{replicas[0]} ",
            "server 127.0.0.1:8082 ": f"server 127.0.0.1:{replicas[1]} ",
            "server 127.0.0.1:8090;": f"server 127.0.0.1:{writer};",
            "rate=20r/s": "rate=5000r/s",
        }
        for old, new in replaced.items():
            assert old in snippet, f"the shipped config changed: {old!r}"
            snippet = snippet.replace(old, new)
        (work / "analysis-search.conf").write_text(snippet)
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (work / name).mkdir(exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (work / "nginx.conf").write_text(
            f"""{user}daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {work}/access.log;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/analysis-search.conf;
}}
"""
        )
        self.port = listen
        self.work = work
        with (work / "stderr.log").open("wb") as err:
            self.proc = subprocess.Popen(
                [NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"nginx exited: {(work / 'stderr.log').read_text()}")
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        pytest.fail("nginx never answered /health")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)  # graceful
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _serve(index: Path, port: int, log_dir: Path, *extra: str) -> Server:
    command = serve_command(index, "--workers", "1", *extra)
    return start_server(
        {"ANALYSIS_SEARCH_API_KEY": API_KEY}, log_dir, command=command, port=port
    )


def _switch(link: Path, target: Path) -> None:
    """The documented switch: a new link, renamed over the old one."""
    subprocess.run(["ln", "-sfn", str(target), f"{link}.tmp"], check=True)
    subprocess.run(["mv", "-T", f"{link}.tmp", str(link)], check=True)


@pytest.fixture
def cluster(tmp_path, examples_index):
    """A writer, two replicas of a snapshot, nginx in front."""
    writer_index = tmp_path / "writer" / "index"
    shutil.copytree(examples_index, writer_index)
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    subprocess.run(
        [PYTHON, str(ROOT / "analysis_search_cli.py")]
        + ["snapshot", "--index", str(writer_index), str(snaps / "s1")],
        check=True,
        capture_output=True,
    )
    current = tmp_path / "replica" / "current"
    current.parent.mkdir()
    _switch(current, snaps / "s1")
    listen, r1, r2, w = _ports(4)
    servers = {
        "writer": _serve(writer_index, w, tmp_path),
        "r1": _serve(current, r1, tmp_path, "--read-only"),
        "r2": _serve(current, r2, tmp_path, "--read-only"),
    }
    work = tmp_path / "nginx"
    work.mkdir()
    nginx = Nginx(work, listen, [r1, r2], w)
    state = {
        "nginx": nginx,
        "servers": servers,
        "ports": {"r1": r1, "r2": r2},
        "writer_index": writer_index,
        "snaps": snaps,
        "current": current,
        "tmp": tmp_path,
    }
    yield state
    nginx.stop()
    for server in state["servers"].values():
        server.stop()


def _load(nginx: Nginx, stop: threading.Event, out: dict[str, list]) -> None:
    """Searches over one keep-alive connection until ``stop``."""
    words = ["gas", "chips", "pipeline", "europe", "grain", "sanctions", "cobalt"]
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
    i = 0
    while not stop.is_set():
        q = urllib.parse.quote(f"{words[i % len(words)]} {i}")
        i += 1
        try:
            conn.request("GET", f"/search?q={q}&facets=tags")
            resp = conn.getresponse()
            resp.read()
            out["ok" if resp.status == 200 else "failed"].append(resp.status)
        except (OSError, http.client.HTTPException) as exc:
            out["failed"].append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
    conn.close()


def _searches(server: Server) -> int:
    requests: dict[str, int] = server.get_json("/stats")["requests"]
    return requests.get("/search", 0)


def _wait_until(check, deadline: float) -> None:
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("the load phase did not get there in time")
        time.sleep(0.02)


def test_killing_a_replica_under_load_fails_no_request(cluster):
    nginx = cluster["nginx"]
    out: dict[str, list] = {"ok": [], "failed": []}
    stop = threading.Event()
    threads = [
        threading.Thread(target=_load, args=(nginx, stop, out)) for _ in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + LOAD_DEADLINE
    try:
        _wait_until(lambda: len(out["ok"]) >= BEFORE_KILL, deadline)
        served_before = len(out["ok"])
        r1 = cluster["servers"]["r1"]
        r1.proc.send_signal(signal.SIGKILL)
        r1.proc.wait(timeout=10)
        cluster["servers"]["r1"] = restarted = _serve(
            cluster["current"], cluster["ports"]["r1"], cluster["tmp"], "--read-only"
        )
        _wait_until(lambda: _searches(restarted) >= AFTER_RESTART, deadline)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert out["failed"] == []
    assert len(out["ok"]) > served_before >= BEFORE_KILL
    # the restarted replica took its share again; the other one served throughout
    assert _searches(cluster["servers"]["r1"]) >= AFTER_RESTART
    assert _searches(cluster["servers"]["r2"]) > AFTER_RESTART


def test_a_write_reaches_the_replicas_through_a_snapshot(cluster):
    nginx = cluster["nginx"]
    doc = {"title": "Quokkafruit tariffs", "body": "Quokkafruit trade and tariffs."}
    status, body = nginx.request(
        "PUT",
        "/documents/quokka",
        body=json.dumps(doc).encode(),
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
        },
    )
    assert status == 201, body
    # replicas serve the old snapshot: not there yet, and they refuse writes
    assert nginx.get("/documents/quokka")[0] == 404
    assert cluster["servers"]["r1"].request("DELETE", "/documents/x")[0] == 405
    snaps = cluster["snaps"]
    result = subprocess.run(
        [PYTHON, str(ROOT / "analysis_search_cli.py")]
        + ["snapshot", "--json", "--index", str(cluster["writer_index"])]
        + [str(snaps / "s2")],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    assert report["linked"] is True
    # to a replica's machine: rsync into a new folder, then switch the link
    replica_copy = cluster["current"].parent / "s2"
    subprocess.run(
        ["rsync", "-a", f"--link-dest={snaps / 's1'}", f"{snaps / 's2'}/"]
        + [f"{replica_copy}/"],
        check=True,
    )
    _switch(cluster["current"], replica_copy)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if nginx.get("/documents/quokka")[0] == 200:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the new snapshot was never served")
    for name in ("r1", "r2"):
        server = cluster["servers"][name]
        assert server.get_json("/search?q=quokkafruit&facets=")["total"] == 1, name
    status, body = nginx.get("/search?q=quokkafruit")
    assert status == 200 and json.loads(body)["total"] == 1
