"""What the crawler remembers of each URL between runs, in the index folder.

``crawl-state.json`` holds, per URL fetched: its validators (``ETag``,
``Last-Modified``), until when the server said it stays fresh, when it was fetched,
where it redirected, and the id of its document. It is written (atomically
replaced) after each commit of a crawl, so it never claims a page the index does
not hold: a crawl killed between two commits leaves the state of the last one.
It travels with snapshots (``*.json`` files of the index folder).
"""

from __future__ import annotations

import email.utils
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STATE_FILE = "crawl-state.json"
STATE_VERSION = 1


class CrawlState:
    """URL -> what was learned when it was last fetched."""

    def __init__(self, path: Path, entries: dict[str, dict[str, Any]]) -> None:
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, index_dir: Path) -> CrawlState:
        """Read the state of an index folder (empty when there is none or it is
        unreadable: the next crawl then revalidates nothing and refetches all)."""
        path = index_dir / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["urls"] if data.get("version") == STATE_VERSION else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            entries = {}
        return cls(path, dict(entries) if isinstance(entries, dict) else {})

    def save(self) -> None:
        """Write the state (atomically replaced)."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(
            json.dumps({"version": STATE_VERSION, "urls": self.entries}),
            encoding="utf-8",
        )
        os.replace(tmp, self.path)

    def get(self, url: str) -> dict[str, Any] | None:
        """The entry of a URL."""
        return self.entries.get(url)

    def forget(self, url: str) -> None:
        """Drop a URL (its page is gone)."""
        self.entries.pop(url, None)

    def remember(
        self, url: str, headers: Mapping[str, str], doc_id: str | None, final: str
    ) -> None:
        """Record a fetch of ``url`` (answered from ``final``)."""
        now = time.time()
        self.entries[url] = {
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "fresh_until": fresh_until(headers, now),
            "fetched": now,
            "final": final if final != url else None,
            "id": doc_id,
        }

    def revalidated(self, url: str, headers: Mapping[str, str]) -> None:
        """Record a 304 answer: new freshness (and validators, if sent)."""
        entry = self.entries.get(url)
        if entry is None:
            return
        now = time.time()
        entry["fresh_until"] = fresh_until(headers, now)
        entry["fetched"] = now
        for name, key in (("etag", "etag"), ("last-modified", "last_modified")):
            if headers.get(name):
                entry[key] = headers[name]


def conditional_headers(entry: Mapping[str, Any]) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` from an entry's validators."""
    headers = {}
    if entry.get("etag"):
        headers["If-None-Match"] = str(entry["etag"])
    if entry.get("last_modified"):
        headers["If-Modified-Since"] = str(entry["last_modified"])
    return headers


def fresh_until(headers: Mapping[str, str], now: float) -> float | None:
    """Until when a response stays fresh (RFC 9111: ``Cache-Control: max-age``
    less ``Age``, else ``Expires``); None when not said or not cacheable."""
    cache_control = [
        d.strip().lower() for d in headers.get("cache-control", "").split(",")
    ]
    if any(d in ("no-cache", "no-store") for d in cache_control):
        return None
    for directive in cache_control:
        if directive.startswith("max-age="):
            try:
                max_age = int(directive.split("=", 1)[1].strip('"'))
                age = int(headers.get("age", "0") or 0)
            except ValueError:
                return None
            return now + max_age - age if max_age > age else None
    if headers.get("expires"):
        try:
            when = email.utils.parsedate_to_datetime(headers["expires"])
        except (TypeError, ValueError):
            return None
        if when is not None and when.timestamp() > now:
            return when.timestamp()
    return None
