"""Parser processes under supervision: a page that kills or hangs one is reported.

``ParserPool`` hands pages one at a time (two queued per process) to worker
processes over pipes and watches each process's sentinel. It always knows which
page a process is on, so:

- a process that dies (segfault, out of memory, killed) is reported with the page it
  was parsing, and a new process takes over the pages that were queued behind it;
- a page that takes longer than its time budget gets its process killed and
  replaced, and is reported as over budget;
- each process runs under an address-space limit (``RLIMIT_AS``): a page that needs
  more memory than its budget fails there with ``MemoryError`` and is reported, and
  the process is replaced (its heap may be fragmented).

Processes are started by the forkserver (safe with threads) with SIGINT blocked, so a
Ctrl-C is the indexer's alone to handle, and each ends with the indexer, however the
indexer ends (a thread waits on the indexer's ``pidfd``).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from indexer.errors import IndexerError
from indexer.siteconfig import SiteConfig

#: Pages queued in each process (one parsing, one waiting).
QUEUED_PER_PROCESS = 2
#: Results kept ahead of the next one to yield (results come back in task order).
WINDOW = 256
#: Processes that die before finishing one page, in a row with no page parsed in
#: between, before the run is stopped (the processes cannot start, or every page
#: kills them).
MAX_FUTILE_STARTS = 5


@dataclass(frozen=True, slots=True)
class Budget:
    """What one page may cost to parse.

    Attributes:
        seconds: Wall-clock seconds per page (0: no limit).
        memory_mb: Address space a parser process may grow by, in MB (0: no limit).
    """

    seconds: float = 60.0
    memory_mb: int = 2048


#: What a page may cost by default (``--page-timeout``, ``--page-memory``).
DEFAULT_BUDGET = Budget()


@dataclass(slots=True)
class _Process:
    proc: Any
    conn: Connection
    queue: deque[tuple[int, Any]] = field(default_factory=deque)
    started: float = 0.0  # when the page at the head of ``queue`` began
    finished: int = 0


class ParserPool:
    """Worker processes that parse pages, replaced when a page kills or hangs one.

    Args:
        processes: How many.
        site: CSS-selector overrides.
        budget: What one page may cost.
        work: ``work(task, site) -> result``, run in the processes (module level).
        failed: ``failed(task, reason) -> result`` for a page whose process died or
            ran over its time budget.
    """

    def __init__(
        self,
        processes: int,
        site: SiteConfig,
        budget: Budget,
        work: Any,
        failed: Any,
    ) -> None:
        self.site = site
        self.budget = budget
        self.work = work
        self.failed = failed
        self._ctx = _mp_context()
        self._futile = 0
        self._procs: list[_Process] = []
        with _sigint_blocked():
            for _ in range(processes):
                self._procs.append(self._start())

    def _start(self) -> _Process:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_serve,
            args=(child, self.work, self.site, os.getpid(), self.budget.memory_mb),
            name="analysis-search-parser",
            daemon=True,
        )
        proc.start()
        child.close()
        return _Process(proc, parent)

    def map(self, tasks: Sequence[Any]) -> Iterator[Any]:
        """Parse ``tasks``; yield one result per task, in task order.

        Raises:
            IndexerError: Parser processes die before finishing any page, again and
                again (they cannot start).
        """
        todo: deque[tuple[int, Any]] = deque(enumerate(tasks))
        done: dict[int, Any] = {}
        next_seq = 0
        while next_seq < len(tasks):
            self._dispatch(todo, next_seq)
            waitables: list[Any] = [p.conn for p in self._procs]
            waitables += [p.proc.sentinel for p in self._procs]
            ready = set(wait(waitables, timeout=self._next_deadline()))
            now = time.monotonic()
            for i, p in enumerate(self._procs):
                if p.conn in ready or p.proc.sentinel in ready:
                    self._collect(p, done, now)
                if p.proc.sentinel in ready and not p.proc.is_alive():
                    self._procs[i] = self._replace(p, todo, done, _death(p.proc))
                elif (
                    p.queue
                    and self.budget.seconds
                    and now - p.started > self.budget.seconds
                ):
                    _kill(p.proc)
                    reason = f"over the time budget ({self.budget.seconds:g} s a page)"
                    self._procs[i] = self._replace(p, todo, done, reason)
            while next_seq in done:
                yield done.pop(next_seq)
                next_seq += 1

    def _dispatch(self, todo: deque[tuple[int, Any]], next_seq: int) -> None:
        for p in self._procs:
            while (
                len(p.queue) < QUEUED_PER_PROCESS
                and todo
                and todo[0][0] < next_seq + WINDOW
            ):
                item = todo.popleft()
                if not p.queue:
                    p.started = time.monotonic()
                p.queue.append(item)
                try:
                    p.conn.send(item[1])
                except OSError:  # died meanwhile: the sentinel says so next
                    break

    def _collect(self, p: _Process, done: dict[int, Any], now: float) -> None:
        """Take every result the process has sent."""
        while p.queue:
            try:
                if not p.conn.poll():
                    return
                result = p.conn.recv()
            except (EOFError, OSError):
                return
            seq, _ = p.queue.popleft()
            done[seq] = result
            p.started = now
            p.finished += 1
            self._futile = 0

    def _replace(
        self,
        p: _Process,
        todo: deque[tuple[int, Any]],
        done: dict[int, Any],
        reason: str,
    ) -> _Process:
        """Report the page ``p`` was on, requeue the rest, start a new process."""
        p.proc.join()
        p.conn.close()
        if p.queue:
            seq, task = p.queue.popleft()
            done[seq] = self.failed(task, reason)
            todo.extendleft(reversed(p.queue))
        if p.finished == 0:
            self._futile += 1
            if self._futile >= MAX_FUTILE_STARTS:
                raise IndexerError(
                    f"parser processes keep dying ({reason}); --jobs 1 parses "
                    "in-process"
                )
        with _sigint_blocked():
            return self._start()

    def _next_deadline(self) -> float | None:
        if not self.budget.seconds:
            return None
        busy = [p.started for p in self._procs if p.queue]
        if not busy:
            return None
        return max(0.0, min(busy) + self.budget.seconds - time.monotonic()) + 0.01

    def close(self) -> None:
        """End every process (a page being parsed is abandoned)."""
        for p in self._procs:
            try:
                p.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 1.0
        for p in self._procs:
            if p.queue:
                _kill(p.proc)
            p.proc.join(max(0.0, deadline - time.monotonic()))
            if p.proc.is_alive():
                _kill(p.proc)
                p.proc.join()
            p.conn.close()
        self._procs = []


def _death(proc: Any) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = f"killed by {name}"
        if -code == signal.SIGKILL:
            how += ", perhaps out of memory"
    else:
        how = f"exit status {code}"
    return f"the parser process died on this page ({how})"


def _kill(proc: Any) -> None:
    try:
        proc.kill()
    except (OSError, AttributeError):
        pass


# --- in the worker processes --------------------------------------------------------


def _serve(
    conn: Connection, work: Any, site: SiteConfig, indexer_pid: int, memory_mb: int
) -> None:
    """A parser process: parse each page received, send back its result."""
    # Ctrl-C is the indexer's to handle (it cancels the run); this process just ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with(indexer_pid)
    limit_memory(memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        result = work(task, site)
        try:
            conn.send(result)
        except (OSError, MemoryError):
            return
        if getattr(result, "fresh_process", False):
            return  # after a MemoryError the heap may be in pieces: start anew


def limit_memory(memory_mb: int) -> None:
    """Let this process's address space grow by at most ``memory_mb`` MB."""
    if memory_mb <= 0:
        return
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            size_kb = next(
                int(line.split()[1]) for line in status if line.startswith("VmSize:")
            )
    except (OSError, StopIteration, ValueError):
        return
    limit = size_kb * 1024 + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def exit_with(pid: int) -> None:
    """End this process when process ``pid`` (the indexer) ends, however it ends.

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


# --- in the indexer -----------------------------------------------------------------


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
