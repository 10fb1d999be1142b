"""``robots.txt`` for the crawler: fetched once per host, read by Protego.

Protego (Scrapy's parser) follows RFC 9309: the most specific (longest) matching
rule wins, ``Allow`` wins a tie, ``*`` and ``$`` patterns, groups matched by the
product token; and it reads ``Crawl-delay``, ``Request-rate`` and ``Sitemap``.
What RFC 9309 says to do when the file cannot be had is done here:

* 4xx (the file is "unavailable"): everything may be crawled;
* 5xx or no answer (after the fetcher's retries; "unreachable"): nothing on the
  host is crawled in this run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from indexer.crawl.fetch import ROBOTS_TOKEN, Fetcher

#: Bytes of a robots.txt read at most (RFC 9309 asks for at least 500 KiB).
MAX_ROBOTS_BYTES = 512 * 1024


@dataclass(slots=True)
class Robots:
    """The rules of one host."""

    parser: Protego | None
    #: Why nothing may be crawled ("" when the rules decide).
    blocked: str = ""
    sitemaps: list[str] = field(default_factory=list)

    def allows(self, url: str) -> bool:
        """Whether the crawler may fetch ``url``."""
        if self.blocked:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, ROBOTS_TOKEN))

    def delay(self) -> float:
        """Seconds between requests the host asks for (``Crawl-delay``, or the
        interval of ``Request-rate``); 0 when it asks for none."""
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(ROBOTS_TOKEN) or 0.0
        rate = self.parser.request_rate(ROBOTS_TOKEN)
        if rate is not None and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        return float(delay)


def robots_url(url: str) -> str:
    """The ``robots.txt`` URL of ``url``'s host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def fetch_robots(fetcher: Fetcher, url: str) -> Robots:
    """Fetch and parse the ``robots.txt`` of ``url``'s host."""
    got = fetcher.get(robots_url(url))
    if got.status == 200:
        text = got.body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace")
        parser = Protego.parse(text)
        return Robots(parser, sitemaps=list(parser.sitemaps))
    if 400 <= got.status < 500:
        return Robots(None)
    why = got.error or f"HTTP {got.status}"
    return Robots(None, blocked=f"robots.txt unreachable ({why}): host not crawled")
