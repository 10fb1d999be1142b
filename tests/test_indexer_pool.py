"""Supervised parser processes: a page that kills, hangs or bloats its process is
reported with its reason, and every other page is parsed, in order."""

from __future__ import annotations

import os
import signal
import time

import pytest

from indexer.errors import IndexerError
from indexer.pool import Budget, ParserPool
from indexer.siteconfig import EMPTY
from indexer.workers import PageResult, PageTask, failed_page

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX")


def work(task: PageTask, site) -> PageResult:
    """A stand-in parser whose pages say what to do to it."""
    if task.label == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if task.label == "exit":
        os._exit(3)
    if task.label == "hang":
        time.sleep(600)
    if task.label == "hog":
        try:
            blob = bytearray(512 * 1024 * 1024)  # over a 128 MB budget
        except MemoryError:
            return PageResult(task, reason="over the memory budget", fresh_process=True)
        return PageResult(task, document={"id": task.label, "size": len(blob)})
    return PageResult(task, document={"id": task.label, "pid": os.getpid()})


def always_dies(task: PageTask, site) -> PageResult:
    os._exit(5)


def tasks(*labels: str) -> list[PageTask]:
    return [PageTask(label, label, label, label) for label in labels]


SMALL = Budget(seconds=5, memory_mb=128)


def run(labels, budget=SMALL, processes=2, fn=work):
    pool = ParserPool(processes, EMPTY, budget, fn, failed_page)
    try:
        return list(pool.map(tasks(*labels)))
    finally:
        pool.close()


def test_results_come_back_in_order_from_every_process():
    labels = [f"p{i}" for i in range(40)]
    results = run(labels)
    assert [r.task.label for r in results] == labels
    assert all(r.document is not None for r in results)
    assert len({r.document["pid"] for r in results}) == 2


def test_a_page_that_kills_its_process_is_reported_and_the_rest_parsed():
    labels = ["a", "b", "segfault", "c", "d", "exit", "e", "f", "g"]
    results = run(labels)
    by_label = {r.task.label: r for r in results}
    assert [r.task.label for r in results] == labels
    assert "SIGSEGV" in by_label["segfault"].reason
    assert "parser process died on this page" in by_label["segfault"].reason
    assert "exit status 3" in by_label["exit"].reason
    good = [lb for lb in labels if lb not in ("segfault", "exit")]
    assert all(by_label[lb].document is not None for lb in good)


def test_a_page_over_its_time_budget_is_reported_and_its_process_replaced():
    started = time.monotonic()
    results = run(["a", "hang", "b", "c"], budget=Budget(seconds=1, memory_mb=0))
    assert time.monotonic() - started < 30  # not the hung page's 600 s
    by_label = {r.task.label: r for r in results}
    assert "over the time budget (1 s a page)" == by_label["hang"].reason
    assert all(by_label[lb].document for lb in ("a", "b", "c"))


def test_a_page_over_its_memory_budget_is_reported():
    results = run(["a", "hog", "b"])
    by_label = {r.task.label: r for r in results}
    assert by_label["hog"].reason == "over the memory budget"
    assert by_label["a"].document and by_label["b"].document
    # without a budget the same page is parsed
    free = run(["hog"], budget=Budget(seconds=5, memory_mb=0), processes=1)
    assert free[0].document["size"] == 512 * 1024 * 1024


def test_processes_that_cannot_parse_anything_stop_the_run():
    with pytest.raises(IndexerError, match="keep dying"):
        run([f"p{i}" for i in range(20)], fn=always_dies)


def test_close_ends_every_process():
    pool = ParserPool(2, EMPTY, Budget(), work, failed_page)
    procs = [p.proc for p in pool._procs]
    results = pool.map(tasks("a", "hang", "b"))
    assert next(results).task.label == "a"
    pool.close()
    assert all(not p.is_alive() for p in procs)
