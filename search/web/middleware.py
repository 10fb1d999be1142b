"""Falcon middleware of the service: raw-path routing, request log and metrics, caching.

The classes follow Falcon's middleware protocol by duck typing, so this module does not
import falcon (only the HTTP modules named in ``tests/test_imports.py`` do).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

from search.web.metrics import Stats

#: Logger of the one-line-per-request access log.
access_log = logging.getLogger("search.access")

#: Path prefixes whose segments are percent-decoded by the resources themselves, so
#: that a document id holding ``/`` (a URL) can be sent as ``%2F``.
RAW_PATH_PREFIXES = ("/documents/",)
#: Characters left as they are when a path is written to the log.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def raw_request_path(env: dict[str, Any]) -> str | None:
    """The request path as the client sent it (still percent-encoded), if known.

    WSGI servers decode ``PATH_INFO``, which turns ``%2F`` into ``/``; waitress keeps
    the original in ``REQUEST_URI``, gunicorn and Falcon's test client in ``RAW_URI``.

    Args:
        env: The WSGI environment.

    Returns:
        The raw path without the query string (and without ``SCRIPT_NAME``), or None
        when the server does not provide it.
    """
    raw = env.get("RAW_URI") or env.get("REQUEST_URI")
    if not isinstance(raw, str) or not raw:
        return None
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if "://" in path.split("/", 1)[0] or not path.startswith("/"):
        # absolute-form request target: http://host/path
        rest = path.split("://", 1)[-1]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    script = env.get("SCRIPT_NAME") or ""
    if script and path.startswith(script):
        path = path[len(script) :] or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"  # as the app's strip_url_path_trailing_slash
    return path


class RawPathMiddleware:
    """Route ``/documents/...`` on the still-encoded path, so ids may contain ``/``.

    Resources of those routes percent-decode their ``doc_id`` themselves
    (``search.web.documents.decode_id``). Without a raw path from the server
    (waitress, gunicorn and Falcon's test client all give one), the decoded path is
    used and ids holding ``/`` are not found.
    """

    def process_request(self, req: Any, resp: Any) -> None:
        """Replace ``req.path`` by the raw path under ``RAW_PATH_PREFIXES``."""
        if not req.path.startswith(RAW_PATH_PREFIXES):
            req.context.raw_path = False
            return
        raw = raw_request_path(req.env)
        if raw is not None and raw.startswith(RAW_PATH_PREFIXES):
            req.path = raw
            req.context.raw_path = True
        else:
            req.context.raw_path = False


class RequestLogMiddleware:
    """Log one line per request (method, path, status, ms) and feed ``Stats``.

    Args:
        stats: The process's metrics.
        clock: Monotonic clock in seconds (injected by tests).
    """

    def __init__(self, stats: Stats, clock: Any = time.perf_counter) -> None:
        self.stats = stats
        self._clock = clock

    def process_request(self, req: Any, resp: Any) -> None:
        """Note the start time."""
        req.context.started = self._clock()

    def process_response(
        self, req: Any, resp: Any, resource: object, req_succeeded: bool
    ) -> None:
        """Log the request and record its latency under its route template."""
        started = getattr(req.context, "started", None)
        ms = (self._clock() - started) * 1000 if started is not None else 0.0
        status = resp.status_code
        endpoint = req.uri_template or "unrouted"
        self.stats.record(endpoint, ms, status)
        resp.set_header("Server-Timing", f"app;dur={ms:.1f}")
        # re-quoted: a decoded path may hold spaces or newlines (log injection)
        path = quote(req.path, safe=_PATH_SAFE)
        access_log.info("%s %s %d %.1fms", req.method, path, status, ms)


class CacheControlMiddleware:
    """Give every response a ``Cache-Control`` header.

    Resources set their own for cacheable GETs; everything else (errors, writes,
    ``/health``, ``/stats``) gets ``no-store``.

    Args:
        vary_origin: Add ``Vary: Origin`` (CORS answers differ by origin).
    """

    def __init__(self, *, vary_origin: bool = False) -> None:
        self.vary_origin = vary_origin

    def process_response(
        self, req: Any, resp: Any, resource: object, req_succeeded: bool
    ) -> None:
        """Set ``no-store`` on errors and on responses that set nothing."""
        if resp.status_code >= 400 or not resp.get_header("Cache-Control"):
            resp.set_header("Cache-Control", "no-store")
        if self.vary_origin:
            resp.append_header("Vary", "Origin")
