"""Measuring tools: HTTP load over keep-alive connections, latency percentiles, memory.

Only the standard library: ``http.client`` connections (one per client thread, kept
alive), ``/proc`` for the memory of a process tree.
"""

from __future__ import annotations

import http.client
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.web import metrics as stats

#: Figures of a latency distribution, in milliseconds.
PERCENTILES = (50, 95, 99)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ascending values; NaN when empty."""
    return stats.percentile(sorted_values, p) if sorted_values else math.nan


def summarize(latencies_ms: Sequence[float]) -> dict[str, Any]:
    """Count, mean, p50/p95/p99 and max of latencies in milliseconds."""
    values = sorted(latencies_ms)
    out: dict[str, Any] = {"n": len(values)}
    out["mean_ms"] = round(sum(values) / len(values), 2) if values else math.nan
    for p in PERCENTILES:
        out[f"p{p}_ms"] = round(percentile(values, p), 2)
    out["max_ms"] = round(values[-1], 2) if values else math.nan
    return out


@dataclass(slots=True)
class PhaseResult:
    """What one load phase measured."""

    concurrency: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        """Completed requests per second over the phase."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def to_dict(
        self, groups: Mapping[str, Sequence[str]] | None = None
    ) -> dict[str, Any]:
        """JSON form: totals, throughput and a latency summary per kind.

        Args:
            groups: Named sets of kinds summarised together as well.
        """
        everything = [v for vs in self.by_kind.values() for v in vs]
        grouped = {
            name: summarize([v for k in kinds for v in self.by_kind.get(k, [])])
            for name, kinds in (groups or {}).items()
        }
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "errors": self.errors,
            "error_samples": self.error_samples[:5],
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.throughput, 1),
            "all": summarize(everything),
            "by_kind": {k: summarize(v) for k, v in self.by_kind.items()},
            "groups": grouped,
        }


Request = tuple[str, str]  # (kind, path)


def run_http(
    host: str,
    port: int,
    requests: Sequence[Request],
    concurrency: int,
    time_limit: float,
) -> PhaseResult:
    """Send ``requests`` over ``concurrency`` keep-alive connections.

    Each client thread takes the next request from a shared queue, so the order is
    the given one and ``concurrency`` requests are in flight at any time. The phase
    stops when every request is done or after ``time_limit`` seconds.

    Args:
        host: Server address.
        port: Server port.
        requests: (kind, path) pairs.
        concurrency: Client threads.
        time_limit: Seconds after which no new request is started.

    Returns:
        Latencies by kind (non-2xx answers and connection errors count as errors).
    """
    result = PhaseResult(concurrency)
    lock = threading.Lock()
    position = [0]
    deadline = time.perf_counter() + time_limit

    def next_request() -> Request | None:
        with lock:
            if position[0] >= len(requests) or time.perf_counter() > deadline:
                return None
            position[0] += 1
            return requests[position[0] - 1]

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            while (item := next_request()) is not None:
                kind, path = item
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Accept": "application/json"})
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=60)
                    status, detail = 0, f"{type(exc).__name__}: {exc}"
                else:
                    detail = f"HTTP {status}"
                ms = (time.perf_counter() - started) * 1000
                with lock:
                    if 200 <= status < 300:
                        result.requests += 1
                        result.by_kind.setdefault(kind, []).append(ms)
                    else:
                        result.errors += 1
                        result.error_samples.append(f"{path}: {detail}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def run_local(
    call: Callable[[Any, Any], None],
    items: Sequence[tuple[str, Any]],
    concurrency: int,
    time_limit: float,
    setup: Callable[[], Any] | None = None,
) -> PhaseResult:
    """Like ``run_http`` for an in-process function (the FTS5 baseline).

    Args:
        call: ``call(state, item)`` runs one query (``state`` from ``setup``).
        items: (kind, item) pairs.
        concurrency: Threads.
        time_limit: Seconds after which no new item is started.
        setup: Per-thread state factory (e.g. a database connection).

    Returns:
        Latencies by kind.
    """
    result = PhaseResult(concurrency)
    lock = threading.Lock()
    position = [0]
    deadline = time.perf_counter() + time_limit

    def worker() -> None:
        state = setup() if setup is not None else None
        while True:
            with lock:
                if position[0] >= len(items) or time.perf_counter() > deadline:
                    return
                kind, item = items[position[0]]
                position[0] += 1
            started = time.perf_counter()
            call(state, item)
            ms = (time.perf_counter() - started) * 1000
            with lock:
                result.requests += 1
                result.by_kind.setdefault(kind, []).append(ms)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


# --- memory -------------------------------------------------------------------------
def proc_status_kb(pid: int, key: str) -> int:
    """A ``kB`` figure of ``/proc/PID/status`` (``VmRSS``, ``VmHWM``); 0 if gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc/PID/task/*/children``)."""
    out = [pid]
    i = 0
    while i < len(out):
        task_dir = Path(f"/proc/{out[i]}/task")
        try:
            tasks = list(task_dir.iterdir())
        except OSError:
            tasks = []
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            out.extend(int(c) for c in children if int(c) not in out)
        i += 1
    return out


def pss_kb(pid: int) -> int:
    """Proportional set size of one process (0 when it is gone): its private pages
    plus its share of the pages it shares (forked copies, memory-mapped files)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


class TreeMemorySampler:
    """Samples the summed RSS and PSS of a process and its descendants in a thread.

    Summed RSS counts a page shared by several processes (a forked worker's
    copy-on-write pages, a memory-mapped index file) once per process; summed PSS
    counts it once in all: what the tree really occupies.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        """Start sampling ``pid``'s tree every ``interval`` seconds."""
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.peak_processes = 0
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every process of the tree seen so far (as last sampled)."""
        return sum(self._cpu.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.pid)
            for p in pids:
                self._cpu[p] = max(self._cpu.get(p, 0.0), cpu_seconds(p))
            total = sum(proc_status_kb(p, "VmRSS") for p in pids)
            self.peak_kb = max(self.peak_kb, total)
            self.peak_pss_kb = max(self.peak_pss_kb, sum(pss_kb(p) for p in pids))
            self.peak_processes = max(self.peak_processes, len(pids))
            self._stop.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling; the peak summed RSS in kB."""
        self._stop.set()
        self._thread.join()
        return self.peak_kb


def wait_with_rusage(pid: int) -> tuple[int, int, float]:
    """Wait for a child: its exit status, peak RSS in kB and CPU seconds.

    ``wait4``'s figures cover the child and the descendants it waited for: the
    largest single resident set among them, and their summed user+system time.
    """
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return os.waitstatus_to_exitcode(status), int(usage.ru_maxrss), cpu


def dir_bytes(path: Path) -> int:
    """Total size of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port that was free a moment ago."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
