"""``analysis-search serve --workers N``: one listening socket, N worker processes.

The supervisor binds the listening socket once and starts N worker processes
(``python -m search.web.server``) that inherit it. Sharing one socket rather than
binding N with ``SO_REUSEPORT`` is deliberate: with ``SO_REUSEPORT`` the kernel
hashes each connection to one worker's own queue, so the connections waiting in
the queue of a worker that dies are reset; with one shared socket, a connection
waits until any worker accepts it, and a dying worker loses nothing queued.

The supervisor

* restarts a worker that exits (logging its exit status), after a short backoff;
* stops with a non-zero status when workers keep dying within seconds of their
  start (``MAX_QUICK_DEATHS`` in a row): a broken setup is not retried forever;
* on SIGTERM or SIGINT, passes SIGTERM to every worker, which finishes its
  in-flight requests and exits (``search.web.server``), and waits for them
  (``graceful_timeout`` and a margin, then SIGKILL);
* shares request counters with the workers (``search.web.metrics.SharedCounters``)
  so ``/stats`` sums them over the machine.

It holds no state of its own besides the processes: the index is the only state.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from search.config import ENV_PREFIX, Config

logger = logging.getLogger(__name__)

#: A worker that exits within this many seconds of its start died "quickly"...
QUICK_DEATH = 10.0
#: ...and this many quick deaths in a row (of any worker) stop the supervisor.
MAX_QUICK_DEATHS = 5
#: Seconds before a dead worker is restarted (doubled after each quick death).
RESTART_DELAY = 0.1
MAX_RESTART_DELAY = 5.0
#: Seconds between two looks at the workers.
POLL = 0.1
#: Extra seconds, beyond the workers' graceful timeout, before they are killed.
KILL_MARGIN = 5.0


@dataclass
class _Worker:
    number: int
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float = 0.0
    delay: float = RESTART_DELAY
    history: list[float] = field(default_factory=list)


class Supervisor:
    """Runs and watches the worker processes of one machine."""

    def __init__(
        self, config: Config, sock: socket.socket, stats_fd: int | None
    ) -> None:
        """Prepare N workers on ``sock`` (bound and listening).

        Args:
            config: The settings (passed to the workers as environment variables).
            sock: The listening socket the workers share.
            stats_fd: The shared counters' memory block (None: per worker).
        """
        self.config = config
        self.sock = sock
        self.stats_fd = stats_fd
        self.workers = [_Worker(k) for k in range(config.worker_count())]
        self._stopping = False
        self._quick_deaths = 0

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (0) or until workers keep crashing (1)."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        for worker in self.workers:
            self._start(worker)
        logger.info(
            "serving on %s:%s with %d worker processes",
            self.config.host,
            self.config.port,
            len(self.workers),
        )
        status = 0
        while not self._stopping:
            time.sleep(POLL)
            if not self._reap():
                status = 1
                break
        self._stop_all()
        return status

    def _on_signal(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _command(self, worker: _Worker) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "search.web.server",
            "--fd",
            str(self.sock.fileno()),
            "--worker",
            str(worker.number),
            "--workers",
            str(len(self.workers)),
        ]
        if self.stats_fd is not None:
            cmd += ["--stats-fd", str(self.stats_fd)]
        return cmd

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        env.update(self.config.to_env())
        return env

    def _start(self, worker: _Worker) -> None:
        fds = [self.sock.fileno()]
        if self.stats_fd is not None:
            fds.append(self.stats_fd)
        worker.proc = subprocess.Popen(
            self._command(worker), pass_fds=fds, env=self._env()
        )
        worker.started = time.monotonic()
        logger.info("worker %d started (pid %d)", worker.number, worker.proc.pid)

    def _reap(self) -> bool:
        """Restart dead workers; False when they keep dying at start."""
        now = time.monotonic()
        for worker in self.workers:
            proc = worker.proc
            if proc is None:
                if now >= worker.restart_at and not self._stopping:
                    self._start(worker)
                continue
            code = proc.poll()
            if code is None:
                if now - worker.started > QUICK_DEATH:
                    worker.delay = RESTART_DELAY
                continue
            quick = now - worker.started < QUICK_DEATH
            self._quick_deaths = self._quick_deaths + 1 if quick else 0
            logger.error(
                "worker %d (pid %d) exited with status %s%s; restarting it",
                worker.number,
                proc.pid,
                code,
                " soon after its start" if quick else "",
            )
            if self._quick_deaths >= MAX_QUICK_DEATHS:
                logger.error(
                    "workers died %d times in a row within %.0f s of their start: "
                    "giving up (see the errors above)",
                    self._quick_deaths,
                    QUICK_DEATH,
                )
                return False
            worker.proc = None
            worker.restart_at = now + worker.delay
            worker.delay = (
                min(MAX_RESTART_DELAY, worker.delay * 2) if quick else RESTART_DELAY
            )
        return True

    def _stop_all(self) -> None:
        """SIGTERM to every worker, then wait (and SIGKILL the late ones)."""
        running = [w.proc for w in self.workers if w.proc and w.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.graceful_timeout + KILL_MARGIN
        for proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("worker pid %d did not stop: killing it", proc.pid)
                proc.kill()
                proc.wait()
        logger.info("all workers stopped")
