"""Serving the app with waitress on a listening socket, and stopping gracefully.

``serve_socket`` runs waitress on a socket bound elsewhere: by ``analysis-search
serve`` itself (one process), or by the supervisor, which binds it once and hands
the same socket to every worker process (``python -m search.web.server``, this
module's ``main``). The kernel queues new connections on that one socket and
whichever worker is free accepts the next, so a worker that dies loses nothing
queued: the others keep accepting.

Workers keep their share of the connections even: keep-alive connections stay with
the worker that accepted them (a load balancer's pooled connections, a browser's),
and the kernel wakes every idle worker for a new one, so a burst can land on one
worker and leave the others idle. Each worker publishes its open connections in
the shared counters block and leaves a new connection to the others while it holds
more than the least loaded live one (as nginx's ``accept_mutex`` balances its
workers); a worker whose heartbeat stopped (it died) does not count.

On SIGTERM or SIGINT a worker stops gracefully: it closes its copy of the listening
socket (the other workers keep it open), lets every request it has begun finish
and its response go out, closes idle keep-alive connections, and exits; after
``graceful_timeout`` seconds it exits anyway. A worker whose supervisor is gone
(its parent process changed) stops the same way.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.task import WSGITask

from search.config import Config
from search.errors import SearchError
from search.web.app import configure_logging, create_app
from search.web.metrics import CONNECTIONS, HEARTBEAT, SharedCounters, Stats

logger = logging.getLogger(__name__)

#: Seconds between two looks at the draining connections (and at the parent).
DRAIN_POLL = 0.02
PARENT_POLL = 1.0
#: Pending connections the kernel queues on the listening socket.
BACKLOG = 2048
#: Seconds the event loop waits for events at most: the balance is re-checked and
#: the heartbeat written at least this often. A whole number: waitress takes this
#: setting as an integer (0.05 would become 0, a busy loop).
LOOP_TIMEOUT = 1
#: A worker whose heartbeat is older than this (ms) is taken for dead.
STALE_MS = 3000


class OnePieceTask(WSGITask):  # type: ignore[misc]
    """A waitress task that sends a response's headers with its first body bytes.

    Waitress writes the status line and headers, then the body, as two sends. A
    worker killed between the two leaves a load balancer holding headers without
    their body: it has already passed them on, so it cannot retry the request on
    another replica and the client sees a truncated response. Joined, the two
    leave in one send, and a worker killed mid-request has sent nothing the load
    balancer cannot retry.
    """

    def write(self, data: bytes) -> None:
        """Waitress's ``write``, its pieces joined when it writes the headers."""
        if self.wrote_header or not self.complete:
            super().write(data)
            return
        channel = self.channel
        pieces: list[bytes] = []
        channel.write_soon = pieces.append  # this task's thread alone writes here
        try:
            super().write(data)
        finally:
            del channel.write_soon
        if pieces:
            channel.write_soon(b"".join(pieces))


class OnePieceChannel(HTTPChannel):  # type: ignore[misc]
    """Waitress's channel, running requests as ``OnePieceTask``."""

    task_class = OnePieceTask


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening.

    Raises:
        OSError: The address cannot be bound (taken, or not this machine's).
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class GracefulServer:
    """Waitress on one listening socket, with a graceful stop."""

    def __init__(
        self,
        app: Any,
        sock: socket.socket,
        config: Config,
        shared: SharedCounters | None = None,
        *,
        watch_parent: bool = False,
    ) -> None:
        """Prepare the server (``run`` serves until stopped).

        Args:
            app: The WSGI app.
            sock: The listening socket (bound and listening).
            config: The settings (threads, graceful timeout).
            shared: The machine's shared counters, to balance connections between
                the workers (None: a single process).
            watch_parent: Stop when the parent process goes away (a worker whose
                supervisor died); never for a single process, whose parent is a
                shell or an init system.
        """
        self._map: dict[int, Any] = {}
        self.server = waitress.create_server(
            app,
            map=self._map,
            sockets=[sock],
            threads=config.threads,
            ident="analysis-search",
            backlog=BACKLOG,
            asyncore_loop_timeout=LOOP_TIMEOUT,
        )
        self.server.channel_class = OnePieceChannel
        self._shared = shared if shared is not None and shared.workers > 1 else None
        if self._shared is not None:
            accepting = self.server.readable
            self.server.readable = lambda: accepting() and self._my_turn()
        self.graceful_timeout = config.graceful_timeout
        self._stopping = threading.Event()
        self._closed = False
        self._parent = os.getppid() if watch_parent else None

    def run(self) -> None:
        """Serve until a SIGTERM/SIGINT (or ``stop()``) and the drain are done."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        threading.Thread(target=self._watch, daemon=True).start()
        try:
            self.server.run()
        finally:
            self.server.task_dispatcher.shutdown(timeout=self.graceful_timeout)

    def stop(self) -> None:
        """Stop accepting and drain (from any thread)."""
        if not self._stopping.is_set():
            self._stopping.set()
            self.server.pull_trigger()

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stop()

    def _watch(self) -> None:
        """Drive the drain from outside the loop: every step runs in the loop."""
        next_parent_check = time.monotonic() + PARENT_POLL
        while not self._stopping.wait(DRAIN_POLL):
            if self._parent is not None and time.monotonic() >= next_parent_check:
                next_parent_check = time.monotonic() + PARENT_POLL
                if os.getppid() != self._parent:
                    logger.warning("the supervisor is gone: stopping")
                    self.stop()
        deadline = time.monotonic() + self.graceful_timeout
        self._call_in_loop(self._stop_accepting)
        while not self._closed:
            if time.monotonic() >= deadline:
                logger.warning(
                    "requests still running after %.0f s: stopping anyway",
                    self.graceful_timeout,
                )
                self._call_in_loop(self._close_everything)
                return
            self._call_in_loop(self._close_idle)
            time.sleep(DRAIN_POLL)

    def _call_in_loop(self, thunk: Any) -> None:
        if not self._closed:
            self.server.trigger.pull_trigger(thunk)

    def _my_turn(self) -> bool:
        """Publish this worker's connections and heartbeat; whether it may accept
        (no live worker holds fewer connections)."""
        shared = self._shared
        assert shared is not None
        now = int(time.monotonic() * 1000)
        mine = max(0, len(self._map) - 2)  # less the listener and the trigger
        shared.set(CONNECTIONS, mine)
        shared.set(HEARTBEAT, now)
        for worker in range(shared.workers):
            if worker == shared.row or now - shared.get(worker, HEARTBEAT) > STALE_MS:
                continue
            if shared.get(worker, CONNECTIONS) < mine:
                return False
        return True

    def _stop_accepting(self) -> None:
        if self.server.accepting:
            self.server.accepting = False
            self.server.del_channel()
            self.server.socket.close()  # this worker's copy; the others keep theirs

    def _close_idle(self) -> None:
        """Close connections with nothing begun and nothing left to send; once only
        the trigger is left, close it: the loop then ends."""
        busy = False
        for channel in list(self._map.values()):
            if channel is self.server.trigger:
                continue
            idle = (
                not getattr(channel, "requests", None)
                and getattr(channel, "request", None) is None
                and not getattr(channel, "total_outbufs_len", 0)
            )
            if idle:
                channel.handle_close()
            else:
                busy = True
        if not busy:
            self._close_everything()

    def _close_everything(self) -> None:
        if not self._closed:
            self._closed = True
            wasyncore.close_all(self._map)


def serve_socket(
    app: Any,
    sock: socket.socket,
    config: Config,
    shared: SharedCounters | None = None,
    *,
    worker: bool = False,
) -> None:
    """Serve ``app`` on the listening ``sock`` until stopped (gracefully).

    Args:
        app: The WSGI app.
        sock: The listening socket.
        config: The settings.
        shared: The machine's shared counters (workers only).
        worker: This is a supervisor's worker: it stops when the supervisor dies.
    """
    GracefulServer(app, sock, config, shared, watch_parent=worker).run()


def main(argv: Sequence[str] | None = None) -> int:
    """A worker process: ``python -m search.web.server --fd N --worker K ...``.

    The supervisor passes the listening socket and the shared counters as
    inherited file descriptors, and the settings as ``ANALYSIS_SEARCH_*``.
    """
    p = argparse.ArgumentParser(prog="python -m search.web.server")
    p.add_argument("--fd", type=int, required=True, help="listening socket")
    p.add_argument("--worker", type=int, default=0, help="this worker's number")
    p.add_argument("--workers", type=int, default=1, help="workers in all")
    p.add_argument("--stats-fd", type=int, help="shared counters (memfd)")
    args = p.parse_args(argv)
    try:
        config = Config.from_env(os.environ).validate()
        configure_logging(config)
        shared = None
        if args.stats_fd is not None:
            shared = SharedCounters(args.stats_fd, args.workers, args.worker)
        stats = Stats(shared=shared, worker=args.worker)
        app = create_app(config, stats=stats)
    except SearchError as exc:
        sys.stderr.write(f"analysis-search worker {args.worker}: error: {exc}\n")
        return 1
    sock = socket.socket(fileno=args.fd)
    serve_socket(app, sock, config, shared, worker=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
