"""Parse pages into fielded documents, in-process or in supervised worker processes.

Shared by ``index`` and ``extract``. Results come back in task order; a bounded
number of pages is in flight at a time, so parsed pages never pile up in memory
faster than the consumer takes them. Every page is parsed within a ``Budget`` of
time and memory; a page over budget, or one that kills its parser process, is a
result with a reason like any bad page, and the run goes on (``indexer.pool``).
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import ParseError
from indexer.pool import DEFAULT_BUDGET, Budget, ParserPool
from indexer.siteconfig import SiteConfig
from indexer.sources import read_page

#: Below this many pages, parsing in-process beats starting worker processes.
MIN_PARALLEL_PAGES = 48


@dataclass(frozen=True, slots=True)
class PageTask:
    """One page to parse.

    Attributes:
        path: The file to read.
        label: The page's name in messages and in ``extract`` output (path as given).
        rel_id: The document id when the page declares no canonical URL.
        key: The absolute path (stored as ``source`` by ``index``).
    """

    path: str
    label: str
    rel_id: str
    key: str


@dataclass(frozen=True, slots=True)
class PageResult:
    """A parsed page's fielded document, or why there is none.

    Attributes:
        task: The task.
        document: ``Article.to_document(local_dates=True)`` with ``source`` = the
            task's label and ``content_hash`` = the hash of the page bytes; None when
            skipped.
        reason: Why the page was skipped ("" when parsed).
        detail: The traceback of an unexpected error ("" otherwise).
        fresh_process: The parser process should be replaced (it ran out of
            memory, and its heap may be in pieces).
    """

    task: PageTask
    document: dict[str, Any] | None = None
    reason: str = ""
    detail: str = ""
    fresh_process: bool = False


def worker_count(jobs: int | None) -> int:
    """Worker processes for ``--jobs`` (None: one per core)."""
    return jobs if jobs is not None else (os.cpu_count() or 1)


def parse_page(
    task: PageTask, site: SiteConfig, data: bytes | None = None
) -> PageResult:
    """Read (unless ``data`` is given) and parse one page; errors become results.

    Args:
        task: The page.
        site: CSS-selector overrides.
        data: The page bytes when already read (stdin), else the file is read.

    Returns:
        The result (never raises for a bad page, nor for a parser bug).
    """
    from indexer.parse import parse_html  # lazy: keeps bs4 out of the CLI start

    try:
        if data is None:
            data = read_page(Path(task.path), task.label)
        # the article's source is the label and its content_hash that of ``data``
        article = parse_html(data, source=task.label, doc_id=task.rel_id, site=site)
        return PageResult(task, document=article.to_document(local_dates=True))
    except ParseError as exc:
        return PageResult(task, reason=exc.reason)
    except MemoryError:
        return PageResult(
            task,
            reason="over the memory budget (--page-memory) of its parser process",
            fresh_process=True,
        )
    except Exception as exc:  # a parser bug must not end the run: report the page
        return PageResult(
            task,
            reason=f"unexpected error ({type(exc).__name__}: {exc})",
            detail=traceback.format_exc(),
        )


def failed_page(task: PageTask, reason: str) -> PageResult:
    """The result of a page whose parser process died or ran over its time."""
    return PageResult(task, reason=reason)


class _OverTime(BaseException):
    """The page's time budget ran out (a BaseException: parser code catches
    Exception)."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_OverTime`` in this thread after ``seconds`` (main thread only)."""
    if (
        not seconds
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None)
    ):
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise _OverTime

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def parse_page_within(
    task: PageTask, site: SiteConfig, budget: Budget, data: bytes | None = None
) -> PageResult:
    """``parse_page`` in this process, stopped when it runs over ``budget.seconds``.

    The memory budget is the process's own (``indexer.pool.limit_memory``).
    """
    try:
        with _time_limit(budget.seconds):
            return parse_page(task, site, data)
    except _OverTime:
        return PageResult(
            task, reason=f"over the time budget ({budget.seconds:g} s a page)"
        )


def parse_pages(
    tasks: Sequence[PageTask],
    site: SiteConfig,
    jobs: int | None,
    budget: Budget = DEFAULT_BUDGET,
) -> Generator[PageResult, None, None]:
    """Parse pages in task order: in-process for few pages, else in worker processes.

    Close the generator (``contextlib.closing``) to stop early: the parser
    processes are ended.

    Args:
        tasks: The pages.
        site: CSS-selector overrides.
        jobs: Worker processes (None: one per core; 1: in-process).
        budget: What a page may cost (in-process, only its time is bounded).

    Yields:
        One result per task, in order.

    Raises:
        IndexerError: Parser processes cannot start.
    """
    workers = worker_count(jobs)
    if workers <= 1 or len(tasks) < MIN_PARALLEL_PAGES:
        for task in tasks:
            yield parse_page_within(task, site, budget)
        return
    pool = ParserPool(min(workers, len(tasks)), site, budget, parse_page, failed_page)
    try:
        yield from pool.map(tasks)
    finally:
        pool.close()
