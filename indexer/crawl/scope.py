"""Which URLs a crawl fetches: its hosts, ``--include``/``--exclude`` globs, and
each host's ``robots.txt`` (read once per host, its delay handed to the fetcher)."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from indexer.crawl.fetch import Fetcher
from indexer.crawl.robots import Robots, fetch_robots


class Scope:
    """The crawl's limits on URLs."""

    def __init__(
        self,
        fetcher: Fetcher,
        hosts: Iterable[str],
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
    ) -> None:
        """Bind the limits.

        Args:
            fetcher: Fetches each host's ``robots.txt`` and keeps its delay.
            hosts: Hosts (``host[:port]``) whose pages are crawled.
            include: Globs a URL must match one of (empty: any URL).
            exclude: Globs of URLs never fetched.
        """
        self.fetcher = fetcher
        self.hosts = set(hosts)
        self.include = include
        self.exclude = exclude
        self._robots: dict[str, Robots] = {}
        self._lock = threading.Lock()

    def robots_of(self, url: str) -> Robots:
        """The ``robots.txt`` rules of ``url``'s host (fetched on first use; safe
        across threads: a redirect is checked from a fetch thread)."""
        host = urlsplit(url).netloc
        with self._lock:
            found = self._robots.get(host)
            if found is None:
                found = self._robots[host] = fetch_robots(self.fetcher, url)
                self.fetcher.set_delay(host, found.delay())
        return found

    def on_host(self, url: str) -> bool:
        """Whether ``url`` is on one of the crawled hosts."""
        return urlsplit(url).netloc in self.hosts

    def refusal(self, url: str) -> str | None:
        """Why a URL is not crawled (None: it is)."""
        if not self.on_host(url):
            return "out of scope: another host"
        if any(fnmatch.fnmatchcase(url, p) for p in self.exclude):
            return "out of scope: matches --exclude"
        if self.include and not any(fnmatch.fnmatchcase(url, p) for p in self.include):
            return "out of scope: matches no --include"
        robots = self.robots_of(url)
        if robots.blocked:
            return f"robots.txt: {robots.blocked}"
        if not robots.allows(url):
            return "robots.txt: disallowed"
        return None
