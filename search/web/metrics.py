"""Request metrics for ``GET /stats``: counts, latencies, zero-result queries.

Thread-safe (waitress calls from many threads). Under ``serve --workers N`` the
counts (requests and errors by endpoint, queries and zero-result queries by kind)
are summed over the machine's workers through ``SharedCounters``, a block of
shared memory the supervisor creates and every worker writes its own row of; they
survive a worker's restart. Latency percentiles and the list of zero-result
queries stay per worker (the one that answered). Several machines behind a load
balancer each report their own.
"""

from __future__ import annotations

import mmap
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from search.web.routes import API_ROUTES, PAGE_ROUTES

#: Latencies kept per endpoint for the percentiles (a sliding window).
LATENCY_WINDOW = 2000
#: Distinct zero-result queries remembered (least recent dropped beyond this).
MAX_ZERO_RESULT_QUERIES = 1000
#: Zero-result queries listed by ``snapshot()``.
TOP_ZERO_RESULT_QUERIES = 20


#: Endpoints counted across workers (route templates); any other counts as "other".
SHARED_ENDPOINTS: tuple[str, ...] = (*API_ROUTES, *PAGE_ROUTES, "unrouted", "other")
QUERY_KINDS: tuple[str, ...] = ("search", "suggest")
_E = len(SHARED_ENDPOINTS)
_K = len(QUERY_KINDS)
#: Cells of a worker's row that are states, not counts: its open connections and
#: its heartbeat (``time.monotonic()`` in ms; the clock is the machine's).
CONNECTIONS = 2 * _E + 2 * _K
HEARTBEAT = CONNECTIONS + 1
#: One worker's row: requests and errors by endpoint, queries and zero results by
#: kind, then the two state cells.
ROW = HEARTBEAT + 1


class SharedCounters:
    """Counters of every worker of one machine, in shared memory (a memfd).

    Each worker adds to its own row only, so no lock is shared between processes;
    totals sum the rows.
    """

    def __init__(self, fd: int, workers: int, row: int) -> None:
        """Map the counters block ``fd`` (``create`` made it) as worker ``row``."""
        self.fd = fd
        self.workers = workers
        self.row = row
        self._map = mmap.mmap(fd, workers * ROW * 8)
        self._cells = memoryview(self._map).cast("q")

    @classmethod
    def create(cls, workers: int) -> SharedCounters:
        """A zeroed block for ``workers`` rows (its ``fd`` is passed to the workers).

        Raises:
            OSError: Shared memory is not available.
        """
        fd = os.memfd_create("analysis-search-stats", 0)
        os.ftruncate(fd, workers * ROW * 8)
        return cls(fd, workers, 0)

    def add(self, cell: int, n: int = 1) -> None:
        """Add ``n`` to a cell of this worker's row (the caller holds its lock)."""
        self._cells[self.row * ROW + cell] += n

    def set(self, cell: int, value: int) -> None:
        """Set a state cell of this worker's row."""
        self._cells[self.row * ROW + cell] = value

    def get(self, worker: int, cell: int) -> int:
        """A cell of any worker's row."""
        return int(self._cells[worker * ROW + cell])

    def totals(self) -> list[int]:
        """Each cell summed over the workers."""
        cells = self._cells
        return [
            sum(cells[w * ROW + c] for w in range(self.workers)) for c in range(ROW)
        ]


_CELLS = {name: i for i, name in enumerate(SHARED_ENDPOINTS)}


def _endpoint_cell(endpoint: str) -> int:
    return _CELLS.get(endpoint, _CELLS["other"])


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 for none).

    Args:
        sorted_values: Values in ascending order.
        pct: The percentile, 0-100.

    Returns:
        The value at that rank.
    """
    if not sorted_values:
        return 0.0
    rank = max(1, round(pct / 100 * len(sorted_values) + 0.4999999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Stats:
    """Counters of one service process (and, shared, of its machine's workers).

    Args:
        clock: Wall-clock source (injected by tests).
        shared: The machine's shared counters (None: this process alone).
        worker: This worker's number (0 for a single process).
    """

    def __init__(
        self,
        clock: Any = time.time,
        shared: SharedCounters | None = None,
        worker: int = 0,
    ) -> None:
        self._clock = clock
        self._shared = shared
        self._worker = worker
        self._lock = threading.Lock()
        self._started = clock()
        self._requests: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._latency: dict[str, deque[float]] = {}
        self._zero: Counter[str] = Counter()
        self._queries: Counter[str] = Counter()
        self._zero_counts: Counter[str] = Counter()

    def record(self, endpoint: str, ms: float, status: int) -> None:
        """Record one request.

        Args:
            endpoint: The route template (``/search``) or ``other``.
            ms: Time spent answering, in milliseconds.
            status: The HTTP status code sent.
        """
        with self._lock:
            self._requests[endpoint] += 1
            if status >= 400:
                self._errors[endpoint] += 1
            if self._shared is not None:
                cell = _endpoint_cell(endpoint)
                self._shared.add(cell)
                if status >= 400:
                    self._shared.add(_E + cell)
            window = self._latency.get(endpoint)
            if window is None:
                window = self._latency[endpoint] = deque(maxlen=LATENCY_WINDOW)
            window.append(ms)

    def record_query(self, kind: str, q: str, found: int) -> None:
        """Count one query and remember it when it found nothing.

        Args:
            kind: ``search`` or ``suggest``.
            q: The reader's text (normalised to lowercase words when kept).
            found: Number of results (hits or suggestions).
        """
        key = " ".join(q.lower().split())[:200]
        with self._lock:
            self._queries[kind] += 1
            kind_cell = QUERY_KINDS.index(kind) if kind in QUERY_KINDS else None
            shared = self._shared if kind_cell is not None else None
            if shared is not None and kind_cell is not None:
                shared.add(2 * _E + kind_cell)
            if found or not key:
                return
            self._zero_counts[kind] += 1
            if shared is not None and kind_cell is not None:
                shared.add(2 * _E + _K + kind_cell)
            if kind != "search":
                return
            self._zero[key] += 1
            if len(self._zero) > MAX_ZERO_RESULT_QUERIES:
                for rare, _ in self._zero.most_common()[MAX_ZERO_RESULT_QUERIES // 2 :]:
                    del self._zero[rare]

    def snapshot(self) -> dict[str, Any]:
        """The metrics as JSON-ready data.

        Returns:
            ``{"started", "uptime_s", "queries": {kind: n}, "zero_result_counts":
            {kind: n}, "requests": {endpoint: n}, "errors": {...},
            "latency_ms": {endpoint: {"count", "p50", "p95", "p99", "max"}},
            "zero_result_queries": [{"q", "count"}]}``.
        """
        with self._lock:
            requests = dict(self._requests)
            errors = dict(self._errors)
            windows = {k: sorted(v) for k, v in self._latency.items()}
            zero = self._zero.most_common(TOP_ZERO_RESULT_QUERIES)
            queries = dict(self._queries)
            zero_counts = dict(self._zero_counts)
        latency = {
            name: {
                "count": len(values),
                "p50": round(percentile(values, 50), 2),
                "p95": round(percentile(values, 95), 2),
                "p99": round(percentile(values, 99), 2),
                "max": round(values[-1], 2) if values else 0.0,
            }
            for name, values in sorted(windows.items())
        }
        if self._shared is not None:
            requests, errors, queries, zero_counts = self._shared_totals()
        started = datetime.fromtimestamp(self._started, UTC)
        return {
            "workers": self._shared.workers if self._shared is not None else 1,
            "worker": {"id": self._worker, "pid": os.getpid()},
            "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "uptime_s": round(self._clock() - self._started, 1),
            "queries": queries,
            "zero_result_counts": zero_counts,
            "requests": requests,
            "errors": errors,
            "latency_ms": latency,
            "zero_result_queries": [{"q": q, "count": n} for q, n in zero],
        }

    def _shared_totals(
        self,
    ) -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
        assert self._shared is not None
        cells = self._shared.totals()

        def named(names: Sequence[str], offset: int) -> dict[str, int]:
            return {
                n: cells[offset + i] for i, n in enumerate(names) if cells[offset + i]
            }

        return (
            named(SHARED_ENDPOINTS, 0),
            named(SHARED_ENDPOINTS, _E),
            named(QUERY_KINDS, 2 * _E),
            named(QUERY_KINDS, 2 * _E + _K),
        )
