"""Pure parts of the HTTP layer: raw request paths and the per-process metrics."""

from __future__ import annotations

import pytest

from search.web.metrics import (
    MAX_ZERO_RESULT_QUERIES,
    SharedCounters,
    Stats,
    percentile,
)
from search.web.middleware import raw_request_path


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REQUEST_URI": "/documents/a%2Fb?x=1"}, "/documents/a%2Fb"),
        ({"RAW_URI": "/documents/a%2Fb/related"}, "/documents/a%2Fb/related"),
        ({"REQUEST_URI": "http://h.example:8080/documents/x%2F"}, "/documents/x%2F"),
        ({"REQUEST_URI": "/app/documents/x", "SCRIPT_NAME": "/app"}, "/documents/x"),
        ({"REQUEST_URI": "/documents/x/related/"}, "/documents/x/related"),
        ({"REQUEST_URI": "/documents/x#frag"}, "/documents/x"),
        ({}, None),
        ({"REQUEST_URI": ""}, None),
    ],
    ids=[
        "waitress",
        "gunicorn",
        "absolute-form",
        "script-name",
        "slash",
        "frag",
        "none",
        "empty",
    ],
)
def test_raw_request_path(env, expected):
    assert raw_request_path(env) == expected


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_stats_snapshot():
    clock = FakeClock()
    stats = Stats(clock=clock)
    for ms in (1.0, 2.0, 3.0, 100.0):
        stats.record("/search", ms, 200)
    stats.record("/search", 0.5, 400)
    stats.record_query("search", "Gas  Prices", 3)
    stats.record_query("search", "Zzz  Q", 0)
    stats.record_query("search", "zzz q", 0)
    stats.record_query("search", "", 0)
    stats.record_query("suggest", "zz", 0)
    clock.now += 12.5
    snap = stats.snapshot()
    assert snap["started"] == "2023-11-14T22:13:20Z"
    assert snap["uptime_s"] == 12.5
    assert snap["queries"] == {"search": 4, "suggest": 1}
    assert snap["zero_result_counts"] == {"search": 2, "suggest": 1}
    assert snap["requests"] == {"/search": 5}
    assert snap["errors"] == {"/search": 1}
    assert snap["latency_ms"]["/search"] == {
        "count": 5,
        "p50": 2.0,
        "p95": 100.0,
        "p99": 100.0,
        "max": 100.0,
    }
    assert snap["zero_result_queries"] == [{"q": "zzz q", "count": 2}]


def test_zero_result_queries_stay_bounded():
    stats = Stats()
    for n in range(MAX_ZERO_RESULT_QUERIES * 2):
        stats.record_query("search", f"missing {n}", 0)
    stats.record_query("search", "missing 1", 0)
    snap = stats.snapshot()
    assert len(stats._zero) <= MAX_ZERO_RESULT_QUERIES
    assert snap["zero_result_queries"][0] == {"q": "missing 1", "count": 2}


def test_shared_counters_sum_the_workers_and_keep_latencies_per_worker():
    block = SharedCounters.create(2)
    other = SharedCounters(block.fd, 2, 1)  # what worker 1 maps
    first = Stats(shared=block, worker=0)
    second = Stats(shared=other, worker=1)
    first.record("/search", 5.0, 200)
    second.record("/search", 7.0, 200)
    second.record("/search", 9.0, 503)
    second.record("/made/up", 1.0, 404)
    first.record_query("search", "grain", 0)
    second.record_query("search", "grain", 3)
    snap = first.snapshot()
    assert snap["workers"] == 2
    assert snap["worker"]["id"] == 0
    assert snap["requests"] == {"/search": 3, "other": 1}
    assert snap["errors"] == {"/search": 1, "other": 1}
    assert snap["queries"] == {"search": 2}
    assert snap["zero_result_counts"] == {"search": 1}
    assert snap["latency_ms"]["/search"]["count"] == 1  # worker 0's own
    assert second.snapshot()["latency_ms"]["/search"]["count"] == 2
