"""The write key: who is asking, whether the key is right, and a limit on guessing.

The key is compared in constant time (``hmac.compare_digest``). A client address
that sends a wrong key ``auth_failures`` times within ``auth_window`` seconds gets
429 with ``Retry-After`` until the window has passed (a request without any key is a
plain 401, not a guess), but a request with the right key is always accepted. The
client address is the peer's, or, when the peer is one of the ``trusted_proxies``,
the last address of ``X-Forwarded-For`` that is not a trusted proxy itself (what
nginx's ``$proxy_add_x_forwarded_for`` appends). The counts live in each worker
process, as the metrics do; a shared limit belongs in nginx (``limit_req``). The key
itself is never logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import threading
import time
from collections import deque
from typing import Any

import falcon

from search.config import Config

#: Addresses remembered at most (the oldest are forgotten first).
MAX_TRACKED = 10_000

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Authenticator:
    """Checks ``Authorization: Bearer <key>`` and limits failed attempts.

    Args:
        config: ``api_key``, ``trusted_proxies``, ``auth_failures``, ``auth_window``.
        clock: Monotonic clock in seconds (tests inject one).
    """

    def __init__(self, config: Config, clock: Any = None) -> None:
        self.key = config.api_key
        self.limit = config.auth_failures
        self.window = config.auth_window
        self.proxies: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(p, strict=False) for p in config.trusted_proxies
        )
        self._clock = clock or time.monotonic
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def client(self, req: falcon.Request) -> str:
        """The client's address (see the module docstring)."""
        peer = req.remote_addr or ""
        if not self.proxies or not self._trusted(peer):
            return peer
        hops = [h.strip() for h in (req.get_header("X-Forwarded-For") or "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self._trusted(hop):
                return hop
        return peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.proxies)

    def has_key(self, req: falcon.Request) -> bool:
        """Whether the request carries the right key (constant-time comparison)."""
        if not self.key:
            return False
        scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode("utf-8"), self.key.encode("utf-8")
        )

    def require(self, req: falcon.Request) -> None:
        """Let the request through only with the right key.

        Raises:
            falcon.HTTPForbidden: No key is configured (writes are disabled).
            falcon.HTTPTooManyRequests: Too many failures from this address.
            falcon.HTTPUnauthorized: The key is missing or wrong.
        """
        if not self.key:
            raise falcon.HTTPForbidden(
                title="Writes disabled",
                description="this server accepts no writes: set "
                "ANALYSIS_SEARCH_API_KEY to enable PUT and DELETE",
            )
        if self.has_key(req):
            return
        client = self.client(req)
        # a request without a key is not a guess: only wrong keys are counted
        tried = req.get_header("Authorization") is not None
        wait = self._blocked_for(client) if tried else 0
        if wait:
            raise falcon.HTTPTooManyRequests(
                title="Too many failed attempts",
                description=f"too many requests with a wrong key from {client}; "
                f"retry in {wait} s",
                retry_after=wait,
            )
        if tried:
            self._fail(client)
        raise falcon.HTTPUnauthorized(
            title="Unauthorized",
            description="send 'Authorization: Bearer <key>' with the key of "
            "ANALYSIS_SEARCH_API_KEY",
            challenges=['Bearer realm="analysis-search"'],
        )

    def _blocked_for(self, client: str) -> int:
        """Seconds until ``client`` may try again (0: now)."""
        if not self.limit:
            return 0
        now = self._clock()
        with self._lock:
            times = self._failures.get(client)
            if times is None:
                return 0
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) < self.limit:
                return 0
            return max(1, int(math.ceil(times[0] + self.window - now)))

    def _fail(self, client: str) -> None:
        if not self.limit:
            return
        with self._lock:
            times = self._failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(self._clock())
            self._failures[client] = times  # most recent last
            while len(self._failures) > MAX_TRACKED:
                del self._failures[next(iter(self._failures))]
