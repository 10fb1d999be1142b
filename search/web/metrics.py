"""In-process request metrics for ``GET /stats``: counts, latencies, zero hits.

Metrics are per process and reset on restart: several service processes behind a load
balancer each report their own. Thread-safe (waitress calls from many threads).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

#: Latencies kept per endpoint for the percentiles (a sliding window).
LATENCY_WINDOW = 2000
#: Distinct zero-result queries remembered (least recent dropped beyond this).
MAX_ZERO_RESULT_QUERIES = 1000
#: Zero-result queries listed by ``snapshot()``.
TOP_ZERO_RESULT_QUERIES = 20


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
    """Counters of one service process.

    Args:
        clock: Wall-clock source (injected by tests).
    """

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
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
            if found or not key:
                return
            self._zero_counts[kind] += 1
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
        started = datetime.fromtimestamp(self._started, UTC)
        return {
            "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "uptime_s": round(self._clock() - self._started, 1),
            "queries": queries,
            "zero_result_counts": zero_counts,
            "requests": requests,
            "errors": errors,
            "latency_ms": latency,
            "zero_result_queries": [{"q": q, "count": n} for q, n in zero],
        }
