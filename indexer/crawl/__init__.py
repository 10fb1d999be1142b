"""``analysis-search crawl``: index a live site from its sitemaps or start pages.

* ``crawler``: the crawl itself (frontier, pages, incremental rules, prune) and
  ``run``;
* ``scope``: which URLs are crawled (hosts, patterns, ``robots.txt``);
* ``fetch``: polite HTTP (pace, concurrency, retries, ``Retry-After``, limits);
* ``robots``: ``robots.txt`` read by Protego (RFC 9309);
* ``sitemaps``: sitemaps and sitemap indexes, plain or gzip;
* ``pagekind``: links, canonical URL, robots meta, and which pages are articles;
* ``state``: what is remembered of each URL between crawls (validators, freshness).
"""

from indexer.crawl.crawler import CrawlOptions, CrawlReport, run

__all__ = ["CrawlOptions", "CrawlReport", "run"]
