"""``analysis-search serve --workers N`` for real: a supervisor, worker processes on
one listening socket, restarts, graceful stops, writes seen by every worker.

Each test starts the real command on a free loopback port (``service_support``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import falcon.testing
import pytest
from service_support import API_KEY, ROOT, Server, serve_command, start_server

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": f"Bearer {API_KEY}"}
JSON_HEADERS = {**AUTH, "Content-Type": "application/json"}


def _serve(index: Path, log_dir: Path, *extra: str, env=None) -> Server:
    settings = {"ANALYSIS_SEARCH_API_KEY": API_KEY, **(env or {})}
    return start_server(settings, log_dir, command=serve_command(index, *extra))


@pytest.fixture
def index(tmp_path, examples_index):
    """A writable copy of the examples index."""
    target = tmp_path / "index"
    shutil.copytree(examples_index, target)
    return target


def _stats(server: Server) -> dict:
    return server.get_json("/stats")


def _workers_seen(
    server: Server, want: int, tries: int = 200, calls: list[int] | None = None
) -> dict[int, int]:
    """worker id -> pid, over fresh connections, until ``want`` were seen (the
    number of ``/stats`` calls made is appended to ``calls``)."""
    seen: dict[int, int] = {}
    made = 0
    while made < tries and len(seen) < want:
        worker = _stats(server)["worker"]
        made += 1
        seen[worker["id"]] = worker["pid"]
    if calls is not None:
        calls.append(made)
    return seen


def _wait_for_process(needle: str, timeout: float = 30.0) -> int:
    """The pid of a running process whose command line holds ``needle``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if needle.encode() in cmdline:
                return int(entry.name)
        time.sleep(0.02)
    pytest.fail(f"no process running {needle!r}")


def _put(server: Server, doc_id: str, title: str, body: str) -> tuple[int, dict]:
    data = json.dumps({"title": title, "body": body}).encode()
    status, headers, raw = server.request(
        "PUT", f"/documents/{doc_id}", body=data, headers=JSON_HEADERS
    )
    return status, {"retry_after": headers.get("Retry-After"), "body": raw}


def test_two_workers_share_the_port_and_sum_their_counts(index, tmp_path):
    server = _serve(index, tmp_path, "--workers", "2")
    try:
        calls: list[int] = []
        seen = _workers_seen(server, 2, calls=calls)
        assert sorted(seen) == [0, 1], seen
        assert len(set(seen.values())) == 2  # two processes
        stats = _stats(server)
        assert stats["workers"] == 2
        # every earlier /stats request was counted, whichever worker answered it;
        # latencies are the answering worker's own
        assert stats["requests"]["/stats"] == calls[0]
        assert stats["latency_ms"]["/stats"]["count"] < calls[0]
    finally:
        server.stop()


def test_a_write_is_found_at_once_by_every_worker(index, tmp_path):
    server = _serve(index, tmp_path, "--workers", "2")
    try:
        answered = set()
        for i in range(12):
            status, _ = _put(server, f"zz{i}", f"Zanzibar cloves {i}", "Clove trade.")
            assert status == 201
            # the very next search, on a new connection, whichever worker takes it
            found = server.get_json("/search?q=zanzibar&facets=")
            assert found["total"] == i + 1, (i, found["total"])
            answered.add(_stats(server)["worker"]["id"])
        assert answered == {0, 1}
    finally:
        server.stop()


def test_a_settings_change_applies_at_once_in_every_worker(index, tmp_path):
    server = _serve(index, tmp_path, "--workers", "2")
    try:
        answered = set()
        first = server.get_json("/search?q=gas&facets=")["hits"][0]["id"]
        for i in range(8):
            hidden = [first] if i % 2 == 0 else []
            data = json.dumps({"hidden": hidden, "synonyms": {"zq": ["gas"]}})
            status, _, _ = server.request(
                "PUT", "/settings", body=data.encode(), headers=JSON_HEADERS
            )
            assert status == 200
            # the very next searches, on new connections, whichever worker takes them
            for _ in range(2):
                ids = [h["id"] for h in server.get_json("/search?q=zq&facets=")["hits"]]
                assert ids and (first in ids) == (not hidden), (i, ids)
                answered.add(_stats(server)["worker"]["id"])
        assert answered == {0, 1}
    finally:
        server.stop()


def test_concurrent_writes_on_both_workers_are_never_lost(index, tmp_path):
    server = _serve(
        index,
        tmp_path,
        "--workers",
        "2",
        env={"ANALYSIS_SEARCH_WRITER_TIMEOUT": "0.5"},
    )
    try:

        def put(i: int) -> tuple[str, int, str | None]:
            status, extra = _put(server, f"c{i}", f"Quokkafruit {i}", "Quokkafruit.")
            return f"c{i}", status, extra["retry_after"]

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(put, range(30)))
        for doc_id, status, retry_after in results:
            assert status in (200, 201, 503), (doc_id, status)
            if status == 503:
                assert retry_after  # a clear "try again"
        written = {doc_id for doc_id, status, _ in results if status in (200, 201)}
        assert written, "no write succeeded"
        for doc_id in written:
            status, _, _ = server.request("GET", f"/documents/{doc_id}")
            assert status == 200, doc_id
        found = server.get_json("/search?q=quokkafruit&facets=&per_page=100")
        assert found["total"] == len(written)
    finally:
        server.stop()


def test_a_killed_worker_is_restarted(index, tmp_path):
    server = _serve(index, tmp_path, "--workers", "2")
    try:
        before = _workers_seen(server, 2)
        os.kill(before[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _workers_seen(server, 2)
            if len(now) == 2 and now[0] != before[0]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("worker 0 was not restarted")
        assert now[1] == before[1]  # the other one was left alone
        log = server.log.read_text()
        assert f"worker 0 (pid {before[0]}) exited with status -9" in log
    finally:
        server.stop()


SLOW_EXTRACT = """
import json, sys, time
sys.stdin.buffer.read()
time.sleep(1.5)
print(json.dumps({"title": "Slow page", "body": "A page that took its time."}))
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_lets_the_request_in_flight_finish(index, tmp_path, workers):
    script = tmp_path / "slow_extract.py"
    script.write_text(SLOW_EXTRACT)
    server = _serve(
        index,
        tmp_path,
        "--workers",
        workers,
        env={"ANALYSIS_SEARCH_EXTRACT_COMMAND": f"{sys.executable} {script}"},
    )
    result: dict[str, object] = {}

    def slow_put() -> None:
        headers = {**AUTH, "Content-Type": "text/html"}
        body = b"<html><body><p>slow</p></body></html>"
        result["status"], _, result["body"] = server.request(
            "PUT", "/documents/slow", body=body, headers=headers, timeout=30
        )

    thread = threading.Thread(target=slow_put)
    thread.start()
    # in flight: the worker has started the extractor, which sleeps for 1.5 s
    _wait_for_process(str(script))
    assert "status" not in result
    server.proc.send_signal(signal.SIGTERM)
    thread.join(timeout=30)
    assert result.get("status") == 201, result
    assert server.proc.wait(timeout=30) == 0
    # and nothing listens any more
    with pytest.raises(OSError):
        server.request("GET", "/health", timeout=2)


CRASH_AT_START = """
import os, sys
if "search.web.server" in sys.orig_argv:
    os._exit(3)
"""


def test_workers_that_keep_crashing_at_start_stop_the_supervisor(index, tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH_AT_START)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_")}
    env["PYTHONPATH"] = str(hook)
    port = str(falcon.testing.get_unused_port())
    proc = subprocess.run(
        [sys.executable, str(ROOT / "analysis_search_cli.py"), "serve"]
        + ["--index", str(index), "--port", port, "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "exited with status 3" in proc.stderr
    assert "giving up" in proc.stderr


def test_a_read_only_server_refuses_writes_with_405(index, tmp_path):
    server = _serve(index, tmp_path, "--workers", "1", "--read-only")
    try:
        status, headers, body = server.request(
            "PUT", "/documents/x", body=b"{}", headers=JSON_HEADERS
        )
        assert status == 405
        assert headers["Allow"] == "GET, HEAD"
        error = json.loads(body)
        assert "read-only" in error["description"]
        status, _, _ = server.request("DELETE", "/documents/x", headers=AUTH)
        assert status == 405
        assert server.get_json("/health")["documents"] > 0
    finally:
        server.stop()


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (an exited process not yet reaped is a zombie: 'Z')."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_stop_when_their_supervisor_is_killed(index, tmp_path):
    server = _serve(index, tmp_path, "--workers", "2")
    try:
        pids = _workers_seen(server, 2)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            alive = [p for p in pids.values() if _running(p)]
            if not alive:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"orphaned workers still running: {alive}")
        with pytest.raises(OSError):  # the port is free again: nobody answers
            server.request("GET", "/health", timeout=2)
    finally:
        server.stop()
