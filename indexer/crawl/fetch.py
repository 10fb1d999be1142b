"""Polite HTTP fetching for the crawler: one connection pool, per-host pacing and
concurrency, retries with backoff, ``Retry-After``, size and time limits.

The HTTP client is urllib3 (connection pooling per host, connect and read
timeouts, redirects with a limit); what a polite crawler adds is here:

* every request to a host waits until ``delay`` seconds have passed since the
  previous one started (the larger of ``robots.txt``'s ``Crawl-delay`` and
  1 / ``--rate``), and at most ``concurrency`` requests to a host run at once;
* a 5xx answer, a timeout or a dropped connection is retried ``retries`` times,
  after 0.5 s, 1 s, 2 s, ... (with jitter); a 429 or 503 with ``Retry-After``
  waits what the server asked (up to ``MAX_RETRY_AFTER`` seconds), and the host's
  next requests wait too;
* a body larger than ``max_bytes`` is not read past that size.
"""

from __future__ import annotations

import dataclasses
import email.utils
import importlib.metadata
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3

#: The product token robots.txt rules are matched against.
ROBOTS_TOKEN = "analysis-search"
#: Seconds a Retry-After may ask for; longer, and the page is given up for this run.
MAX_RETRY_AFTER = 120.0
#: Redirects followed per request.
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


def _version() -> str:
    try:
        return importlib.metadata.version("analysis-search")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def user_agent(contact: str | None = None) -> str:
    """The crawler's User-Agent: the project and version, and a contact URL."""
    about = f"+{contact}" if contact else "+https://github.com/analysis-search"
    return f"{ROBOTS_TOKEN}/{_version()} (site search crawler; {about})"


@dataclass(frozen=True, slots=True)
class Response:
    """What one fetch gave.

    Attributes:
        url: The URL asked for.
        final_url: The URL answered from, after redirects.
        status: The HTTP status (0: no answer, see ``error``).
        headers: Response headers, lower-case names.
        body: The body (empty for a 304 or an error).
        error: Why there is no answer ("" when there is one).
        truncated: The body was larger than the limit and is cut there.
        attempts: Requests made (retries included).
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""
    truncated: bool = False
    attempts: int = 1


class _Host:
    """Pacing and concurrency of one host."""

    def __init__(self, concurrency: int) -> None:
        self.slots = threading.Semaphore(concurrency)
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.last_start = 0.0
        self.delay = 0.0


class Fetcher:
    """Fetches URLs politely (see the module docstring); safe across threads."""

    def __init__(
        self,
        *,
        agent: str,
        delay: float = 1.0,
        concurrency: int = 2,
        timeout: float = 20.0,
        retries: int = 3,
        max_bytes: int = 10_000_000,
        backoff: float = 0.5,
    ) -> None:
        """Set the limits.

        Args:
            agent: The User-Agent header.
            delay: Seconds between two request starts to one host (at least).
            concurrency: Requests to one host at once (at most).
            timeout: Connect and read timeout of a request, in seconds.
            retries: Retries of a request after a 5xx, 429, timeout or error.
            max_bytes: Bytes of a body read at most.
            backoff: The first retry's wait in seconds (doubled each time).
        """
        self.agent = agent
        self.delay = delay
        self.concurrency = concurrency
        self.retries = retries
        self.max_bytes = max_bytes
        self.backoff = backoff
        self._pool = urllib3.PoolManager(
            num_pools=32,
            maxsize=max(1, concurrency),
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False,
        )
        self._headers = {"User-Agent": agent, "Accept-Encoding": "gzip, deflate"}
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        #: Requests made and body bytes received (after decompression).
        self.requests = 0
        self.bytes = 0

    def set_delay(self, host: str, seconds: float) -> None:
        """Make a host's requests at least ``seconds`` apart (``Crawl-delay``),
        counting from the last one."""
        gate = self._host(host)
        with gate.lock:
            gate.delay = max(self.delay, seconds)
            gate.next_start = max(gate.next_start, gate.last_start + gate.delay)

    def _host(self, host: str) -> _Host:
        with self._lock:
            found = self._hosts.get(host)
            if found is None:
                found = self._hosts[host] = _Host(self.concurrency)
                found.delay = self.delay
            return found

    def _wait_turn(self, gate: _Host) -> None:
        with gate.lock:
            now = time.monotonic()
            start = max(now, gate.next_start)
            gate.next_start = start + gate.delay
            gate.last_start = start
        if start > now:
            time.sleep(start - now)

    def _hold_back(self, gate: _Host, seconds: float) -> None:
        with gate.lock:
            gate.next_start = max(gate.next_start, time.monotonic() + seconds)

    def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        follow: Callable[[str], bool] | None = None,
    ) -> Response:
        """GET ``url`` politely, with retries, following redirects.

        Args:
            url: An http(s) URL.
            headers: Extra request headers (conditional ones).
            follow: Asked before each redirect is followed (the crawl's scope and
                ``robots.txt``); when it answers False, the redirect itself is
                returned, with the target as ``final_url``.

        Returns:
            The response (never raises for a network error: see ``error``).
        """
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            got = self._get_retrying(current, headers)
            location = got.headers.get("location")
            if got.status in REDIRECTS and location:
                current = urljoin(current, location)
                if follow is not None and not follow(current):
                    break
                continue
            return dataclasses.replace(got, url=url, final_url=current)
        else:
            return Response(url, current, 0, error="too many redirects")
        return dataclasses.replace(got, url=url, final_url=current)

    def _get_retrying(
        self, url: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        gate = self._host(urlsplit(url).netloc)
        attempt = 0
        while True:
            attempt += 1
            with gate.slots:
                self._wait_turn(gate)
                got = self._once(url, headers or {})
            got = dataclasses.replace(got, attempts=attempt)
            wait = self._retry_wait(got, attempt)
            if wait is None:
                return got
            self._hold_back(gate, wait)

    def _retry_wait(self, got: Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to give this answer back."""
        if attempt > self.retries:
            return None
        if got.status in (429, 503) and "retry-after" in got.headers:
            asked = retry_after_seconds(got.headers["retry-after"])
            if asked is None or asked > MAX_RETRY_AFTER:
                return None
            return asked
        if got.status >= 500 or got.status == 429 or got.status == 0:
            return float(self.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2))
        return None

    def _once(self, url: str, headers: Mapping[str, str]) -> Response:
        with self._lock:
            self.requests += 1
        try:
            resp = self._pool.request(
                "GET",
                url,
                # headers given replace the pool's own: send both
                headers={**self._headers, **headers},
                # retries, Retry-After and redirects are ``get``'s (each
                # request paced as the host asks)
                retries=False,
                redirect=False,
                preload_content=False,
            )
        except urllib3.exceptions.MaxRetryError as exc:
            reason = exc.reason or exc
            return Response(url, url, 0, error=_describe(reason))
        except urllib3.exceptions.HTTPError as exc:
            return Response(url, url, 0, error=_describe(exc))
        try:
            body = b""
            truncated = False
            if resp.status != 304:
                body = resp.read(self.max_bytes + 1, decode_content=True)
                if len(body) > self.max_bytes:
                    body, truncated = body[: self.max_bytes], True
        except urllib3.exceptions.HTTPError as exc:
            return Response(url, url, 0, error=_describe(exc))
        finally:
            resp.release_conn()
        with self._lock:
            self.bytes += len(body)
        return Response(
            url,
            url,
            resp.status,
            {k.lower(): v for k, v in resp.headers.items()},
            body,
            truncated=truncated,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.clear()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "timed out"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "connection refused or host unreachable"
    return f"{type(exc).__name__}: {exc}"


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds or an HTTP date)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
