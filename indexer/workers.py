"""Parse pages into fielded documents, in-process or in a pool of worker processes.

Shared by ``index`` (whose one writer stays in the main process) and ``extract``.
Results come back in task order; a bounded number of chunks is in flight at a time,
so parsed pages never pile up in memory faster than the consumer takes them.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
import traceback
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError, ParseError
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.sources import read_page

#: Pages handed to a worker process at a time.
CHUNK_SIZE = 16
#: Below this many pages, parsing in-process beats starting worker processes.
MIN_PARALLEL_PAGES = 48
#: Chunks in flight per worker.
CHUNKS_PER_WORKER = 3


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
    """

    task: PageTask
    document: dict[str, Any] | None = None
    reason: str = ""
    detail: str = ""


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
    except Exception as exc:  # a parser bug must not end the run: report the page
        return PageResult(
            task,
            reason=f"unexpected error ({type(exc).__name__}: {exc})",
            detail=traceback.format_exc(),
        )


def parse_pages(
    tasks: Sequence[PageTask], site: SiteConfig, jobs: int | None
) -> Generator[PageResult, None, None]:
    """Parse pages in task order: in-process for few pages, else in worker processes.

    Close the generator (``contextlib.closing``) to stop early: pending chunks are
    cancelled and the workers shut down.

    Args:
        tasks: The pages.
        site: CSS-selector overrides.
        jobs: Worker processes (None: one per core; 1: in-process).

    Yields:
        One result per task, in order.

    Raises:
        IndexerError: A worker process died (killed, or out of memory).
    """
    workers = worker_count(jobs)
    if workers <= 1 or len(tasks) < MIN_PARALLEL_PAGES:
        for task in tasks:
            yield parse_page(task, site)
        return
    chunks = [tasks[i : i + CHUNK_SIZE] for i in range(0, len(tasks), CHUNK_SIZE)]
    workers = min(workers, len(chunks))
    window: deque[Future[list[PageResult]]] = deque()
    pending = iter(chunks)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_mp_context(),
        initializer=_init_worker,
        initargs=(site, os.getpid()),
    )
    broken = False
    try:
        # The first submits start the processes, which inherit the signal mask:
        # with SIGINT blocked, a Ctrl-C is this process's alone to handle.
        with _sigint_blocked():
            for chunk in islice(pending, workers * CHUNKS_PER_WORKER):
                window.append(pool.submit(_parse_chunk, chunk))
        while window:
            results = window.popleft().result()
            for chunk in islice(pending, 1):
                window.append(pool.submit(_parse_chunk, chunk))
            yield from results
    except BrokenProcessPool:  # from result() or from submit()
        broken = True
        raise IndexerError(
            "a parser process died (killed, or out of memory): the run was "
            "stopped; --jobs 1 parses in-process"
        ) from None
    finally:
        # A broken pool fails its futures and ends its processes itself (cancelling
        # or waiting then can trip CPython's executor thread); otherwise drop the
        # chunks not yet started and let the running ones finish.
        pool.shutdown(wait=not broken, cancel_futures=not broken)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while worker processes are started.

    Processes inherit the signal mask, so the workers (and the forkserver) never
    get the terminal's Ctrl-C and die half-way; a Ctrl-C that arrives meanwhile is
    delivered to this process when the mask is restored.
    """
    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _mp_context() -> Any:
    """Start method of workers: forkserver (safe with threads) if any, else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context(
        "forkserver" if "forkserver" in methods else "spawn"
    )


_WORKER_SITE: SiteConfig = EMPTY


def _init_worker(site: SiteConfig, indexer_pid: int) -> None:
    global _WORKER_SITE
    _WORKER_SITE = site
    # Ctrl-C is the main process's to handle (it cancels the run); workers just end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with(indexer_pid)


def _exit_with(pid: int) -> None:
    """End this worker when process ``pid`` (the indexer) ends, however it ends.

    A worker's parent is the forkserver, which outlives a killed indexer, and the
    worker holds the pipes that would tell either of them: without this, a
    ``kill -9`` of the indexer leaves the forkserver and its workers waiting
    forever. A thread waits on a descriptor of the indexer process (Linux
    ``pidfd``), which becomes readable when it exits.
    """
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or already gone
        if not _alive(pid):
            os._exit(1)
        return

    def watch() -> None:
        select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-indexer", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parse_chunk(tasks: Sequence[PageTask]) -> list[PageResult]:
    return [parse_page(task, _WORKER_SITE) for task in tasks]
