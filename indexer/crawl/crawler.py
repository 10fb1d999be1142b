"""The crawl: from start URLs to indexed articles (see ``indexer.crawl``).

The crawl reads each start URL as what it is: a ``robots.txt`` (its ``Sitemap:``
lines are read), a sitemap or sitemap index (plain or gzip), or a page (its links
within the allowed hosts are followed, breadth first, to ``max_depth``). Pages are
fetched by ``indexer.crawl.fetch`` (polite: ``robots.txt``, ``Crawl-delay``, per-host
pace and concurrency, retries, ``Retry-After``), parsed by the same extractor as
``index`` in this process (under the same time budget), and written with the same
incremental rules and periodic commits.

A re-crawl downloads little: a page still fresh by its ``Cache-Control`` or
``Expires`` is not requested; every other known page is asked for with
``If-None-Match``/``If-Modified-Since`` (a 304 costs no body), unless its sitemap
``lastmod`` is newer than the last fetch; a changed body whose article is the same
(the same page bytes) is left as it is. A page that answers 404 or 410 is deleted;
with ``prune``, so is a page the crawl no longer finds (only after a complete
crawl). Documents are keyed by their canonical URL (or the URL answered from,
after redirects), so redirects and canonical links make no duplicates.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from indexer.commits import DEFAULT_POLICY, CommitPolicy
from indexer.crawl.fetch import REDIRECTS, Fetcher, Response, user_agent
from indexer.crawl.pagekind import PageInfo, inspect, not_an_article
from indexer.crawl.scope import Scope
from indexer.crawl.sitemaps import SitemapError, parse_sitemap
from indexer.crawl.state import CrawlState, conditional_headers
from indexer.pipeline import Reporter, SilentReporter, Skipped
from indexer.pool import DEFAULT_BUDGET, Budget
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.sources import MAX_PAGE_BYTES
from indexer.writer import DocumentWriter, StoredDoc, open_writer
from search import schema

#: Content types read as pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Sitemap indexes followed this deep at most.
MAX_SITEMAP_DEPTH = 3


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What to crawl and how politely (built by ``indexer.cli``).

    Attributes:
        index_dir: The index folder (created when missing).
        starts: Start URLs: ``robots.txt``, sitemaps, or pages.
        hosts: Hosts whose pages are crawled (empty: the start URLs' hosts).
        include: URL glob patterns a page must match one of (empty: any).
        exclude: URL glob patterns of pages never fetched.
        max_pages: Pages fetched (or found fresh) at most.
        max_depth: Links followed from a start page this deep at most.
        max_bytes: Bytes of a page read at most (larger pages are skipped).
        delay: Seconds between two requests to one host at least (robots.txt's
            ``Crawl-delay`` may ask for more).
        concurrency: Requests to one host at once at most.
        retries: Retries after a 5xx, 429, timeout or network error.
        timeout: Seconds a request may take to connect, and between reads.
        contact: A URL or address for site owners, in the User-Agent.
        prune: Delete pages the crawl no longer finds (after a complete crawl).
        site: CSS-selector overrides for the parser.
        budget: What one page may cost to parse (its time is bounded).
        commit: When to commit before the end.
    """

    index_dir: Path
    starts: tuple[str, ...]
    hosts: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_pages: int = 10_000
    max_depth: int = 5
    max_bytes: int = MAX_PAGE_BYTES
    delay: float = 1.0
    concurrency: int = 2
    retries: int = 3
    timeout: float = 20.0
    contact: str | None = None
    prune: bool = False
    site: SiteConfig = EMPTY
    budget: Budget = DEFAULT_BUDGET
    commit: CommitPolicy = DEFAULT_POLICY


@dataclass(slots=True)
class CrawlReport:
    """The outcome of a crawl (the summary line and ``--json``)."""

    fetched: int = 0
    not_modified: int = 0
    fresh: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    commits: int = 0
    complete: bool = True

    @property
    def pages(self) -> int:
        """Pages fetched, revalidated or found fresh."""
        return self.fetched + self.not_modified + self.fresh

    @property
    def failures(self) -> int:
        """Pages or sitemaps that could not be had (network errors, 5xx)."""
        return sum(
            s.reason.startswith(("fetch failed", "HTTP 5", "sitemap un", "HTTP 429"))
            for s in self.skipped
        )

    def skipped_by_reason(self) -> dict[str, int]:
        """Skipped pages counted by the kind of reason (the part before ``:``)."""
        return dict(Counter(s.reason.split(":", 1)[0] for s in self.skipped))

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the report."""
        return {
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "fresh": self.fresh,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": [{"url": s.source, "reason": s.reason} for s in self.skipped],
            "skipped_by_reason": self.skipped_by_reason(),
            "requests": self.requests,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "pages_per_second": round(self.pages / self.seconds, 2)
            if self.seconds
            else 0.0,
            "commits_before_end": self.commits,
            "complete": self.complete,
        }

    def summary(self) -> str:
        """The one-line summary printed at the end of a crawl."""
        reasons = ", ".join(f"{k} {v}" for k, v in self.skipped_by_reason().items())
        return (
            f"{self.fetched} fetched, {self.not_modified} not modified, {self.fresh} "
            f"fresh, {self.added} added, {self.updated} updated, {self.unchanged} "
            f"unchanged, {self.deleted} deleted, {len(self.skipped)} skipped"
            + (f" ({reasons})" if reasons else "")
            + f"; {self.requests} requests, {self.bytes:,} bytes in "
            f"{self.seconds:.1f} s"
        )


@dataclass(frozen=True, slots=True)
class _Item:
    url: str
    depth: int | None  # None: from a sitemap (its links are not followed)
    lastmod: datetime | None = None


class _Crawl:
    """One crawl's state: the frontier, what was seen and claimed, the writer."""

    def __init__(
        self,
        options: CrawlOptions,
        writer: DocumentWriter,
        fetcher: Fetcher,
        state: CrawlState,
        report: CrawlReport,
        rep: Reporter,
    ) -> None:
        self.options = options
        self.writer = writer
        self.fetcher = fetcher
        self.state = state
        self.report = report
        self.rep = rep
        self.scope = Scope(
            fetcher,
            options.hosts or {urlsplit(u).netloc for u in options.starts},
            options.include,
            options.exclude,
        )
        self.frontier: deque[_Item] = deque()
        self.queued: set[str] = set()
        #: URLs answered (or listed, or fresh): not pruned.
        self.seen: set[str] = set()
        existing = writer.existing()
        self.by_source: dict[str, StoredDoc] = {
            d.source: d for d in existing.values() if d.source
        }
        self.claimed: dict[str, str] = {}
        self.taken = 0

    def skip(self, url: str, reason: str) -> None:
        item = Skipped(url, reason)
        self.report.skipped.append(item)
        self.rep.skipped(item)
        self.rep.advance()

    def enqueue(self, item: _Item) -> None:
        if item.url in self.queued:
            return
        self.queued.add(item.url)
        self.frontier.append(item)

    # --- discovery ------------------------------------------------------------------
    def start(self, url: str) -> None:
        """Queue what a start URL leads to."""
        path = urlsplit(url).path.lower()
        if path == "/robots.txt":
            robots = self.scope.robots_of(url)
            for sitemap in robots.sitemaps:
                self.read_sitemap(sitemap, 0)
        elif path.endswith((".xml", ".xml.gz")):
            self.read_sitemap(url, 0)
        else:
            self.enqueue(_Item(url, 0))

    def read_sitemap(self, url: str, depth: int) -> None:
        """Queue a sitemap's pages (and read its child sitemaps)."""
        if not self.scope.robots_of(url).allows(url):
            self.skip(url, "robots.txt: disallowed (a sitemap)")
            return
        got = self.fetcher.get(url)
        if got.status != 200:
            self.report.complete = False
            self.skip(url, f"sitemap unavailable: {got.error or f'HTTP {got.status}'}")
            return
        try:
            sitemap = parse_sitemap(got.body)
        except SitemapError as exc:
            self.report.complete = False
            self.skip(url, f"sitemap unreadable: {exc}")
            return
        for child in sitemap.children:
            if depth < MAX_SITEMAP_DEPTH:
                self.read_sitemap(child, depth + 1)
        for entry in sitemap.pages:
            self.enqueue(_Item(entry.url, None, entry.lastmod))

    # --- pages ----------------------------------------------------------------------
    def request_headers(self, item: _Item) -> dict[str, str] | None:
        """Conditional headers for a known page; None: do not request (fresh)."""
        entry = self.state.get(item.url)
        if entry is None or not self.holds(entry):
            return {}
        fetched = float(entry.get("fetched") or 0)
        if item.lastmod is not None and item.lastmod.timestamp() > fetched:
            return {}  # the sitemap says it changed since
        fresh_until = entry.get("fresh_until")
        if fresh_until and float(fresh_until) > time.time():
            return None
        return conditional_headers(entry)

    def holds(self, entry: dict[str, Any]) -> bool:
        """Whether the index holds the document of a state entry."""
        doc_id = entry.get("id")
        return isinstance(doc_id, str) and doc_id in self.writer.existing()

    def next_requests(self) -> Iterator[tuple[_Item, dict[str, str]]]:
        """Pages to request now (fresh ones are counted, out-of-scope skipped)."""
        while self.frontier:
            if self.taken >= self.options.max_pages:
                self.report.complete = False
                self.frontier.clear()
                return
            item = self.frontier.popleft()
            if item.url in self.seen:
                self.skip(item.url, "duplicate: already crawled through a redirect")
                continue
            why = self.scope.refusal(item.url)
            if why is not None:
                self.seen.add(item.url)  # not found gone: kept by --prune
                self.skip(item.url, why)
                continue
            self.taken += 1
            headers = self.request_headers(item)
            if headers is None:
                self.report.fresh += 1
                self.mark_kept(item.url)
                self.rep.advance()
                continue
            yield item, headers

    def mark_kept(self, url: str) -> None:
        """A known page stays as indexed (fresh or not modified)."""
        self.seen.add(url)
        entry = self.state.get(url) or {}
        final = entry.get("final")
        if final:
            self.seen.add(final)
        doc_id = entry.get("id")
        if isinstance(doc_id, str):
            self.claimed.setdefault(doc_id, final or url)

    def may_follow(self, target: str) -> bool:
        """Whether a redirect to ``target`` is followed (its scope and robots.txt
        are checked before it is requested; called from the fetch threads)."""
        return self.scope.refusal(target) is None

    def handle(self, item: _Item, got: Response) -> None:
        """Act on one page's answer."""
        url = item.url
        self.seen.add(url)
        if got.status == 0:
            self.report.complete = False
            self.skip(url, f"fetch failed: {got.error}")
            return
        if got.status == 304:
            self.report.not_modified += 1
            self.state.revalidated(url, got.headers)
            self.mark_kept(url)
            self.rep.advance()
            return
        if got.status in REDIRECTS:  # a redirect out of the crawl's scope
            reason = self.scope.refusal(got.final_url) or "redirect not followed"
            self.skip(url, f"{reason} (redirected to {got.final_url})")
            return
        if got.status in (404, 410):
            self.gone(url, got.status)
            return
        if got.status != 200:
            self.report.complete = False
            self.skip(url, f"HTTP {got.status}: page kept as it was")
            return
        self.report.fetched += 1
        final = got.final_url
        if final != url:
            if final in self.seen:
                target = self.state.get(final) or {}
                self.state.remember(url, got.headers, target.get("id"), final)
                self.skip(url, f"duplicate: redirects to {final}, already crawled")
                return
            self.seen.add(final)  # in scope: ``may_follow`` checked it
        ctype = got.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            self.skip(url, f"not HTML: content type {ctype}")
            return
        if got.truncated:
            self.skip(url, f"too large: over {self.options.max_bytes:,} bytes")
            return
        info = inspect(got.body, final)
        self.follow(item, info)
        why = not_an_article(final, info)
        if why is not None:
            self.state.remember(url, got.headers, None, final)
            self.skip(url, why)
            return
        self.store(url, final, got, info)

    def follow(self, item: _Item, info: PageInfo) -> None:
        if item.depth is None or info.nofollow or item.depth >= self.options.max_depth:
            return
        for link in info.links:
            if self.scope.on_host(link):
                self.enqueue(_Item(link, item.depth + 1))

    def gone(self, url: str, status: int) -> None:
        entry = self.state.get(url) or {}
        doc_id = entry.get("id")
        stored = self.by_source.get(url) or self.by_source.get(entry.get("final") or "")
        ids = {doc_id, stored.id if stored else None} - {None}
        deleted = False
        for gone_id in ids:
            if gone_id not in self.claimed and self.writer.delete(str(gone_id)):
                deleted = True
        if deleted:
            self.report.deleted += 1
        self.state.forget(url)
        self.skip(url, f"HTTP {status}: gone" + (", deleted" if deleted else ""))

    def store(self, url: str, final: str, got: Response, info: PageInfo) -> None:
        from indexer.workers import PageTask, parse_page_within  # bs4: lazily

        stored = self.by_source.get(final)
        if stored is not None and stored.content_hash == schema.content_hash(got.body):
            self.report.unchanged += 1
            self.claimed.setdefault(stored.id, final)
            self.state.remember(url, got.headers, stored.id, final)
            self.rep.advance()
            return
        task = PageTask("", final, final, final)
        result = parse_page_within(
            task, self.options.site, self.options.budget, got.body
        )
        if result.document is None:
            self.skip(url, f"no article: {result.reason}")
            return
        document = {**result.document, schema.SOURCE: final}
        if not document.get(schema.URL):
            document[schema.URL] = info.canonical or final
        try:
            fields = schema.to_index_fields(document)
        except ValueError as exc:
            self.skip(url, f"invalid document: {exc}")
            return
        doc_id = fields[schema.ID_FIELD]
        owner = self.claimed.get(doc_id)
        if owner is not None and owner != final:
            self.skip(url, f"duplicate: the same article as {owner}")
            return
        if stored is not None and stored.id != doc_id and stored.id not in self.claimed:
            self.writer.delete(stored.id)  # the page now names another canonical URL
        replaced = self.writer.write(fields)
        self.claimed[doc_id] = final
        if replaced or stored is not None:
            self.report.updated += 1
        else:
            self.report.added += 1
        self.state.remember(url, got.headers, doc_id, final)
        self.rep.advance()

    def prune(self) -> None:
        """Delete the crawled hosts' documents this (complete) crawl did not find."""
        for source, stored in self.by_source.items():
            if not self.scope.on_host(source):
                continue
            if source in self.seen or stored.id in self.claimed:
                continue
            if self.writer.delete(stored.id):
                self.report.deleted += 1
                self.state.forget(source)


def run(options: CrawlOptions, reporter: Reporter | None = None) -> CrawlReport:
    """Crawl and index; the index and the crawl state are committed on return.

    Raises:
        IndexLockedError: Another writer holds the index (``search.store.errors``).
        IndexerError: The index folder is unusable.
    """
    rep: Reporter = reporter if reporter is not None else SilentReporter()
    started = time.perf_counter()
    report = CrawlReport()
    fetcher = Fetcher(
        agent=user_agent(options.contact),
        delay=options.delay,
        concurrency=options.concurrency,
        timeout=options.timeout,
        retries=options.retries,
        max_bytes=options.max_bytes,
    )
    options.index_dir.mkdir(parents=True, exist_ok=True)
    state = CrawlState.load(options.index_dir)
    try:
        with open_writer(
            options.index_dir, policy=options.commit, on_commit=state.save
        ) as writer:
            crawl = _Crawl(options, writer, fetcher, state, report, rep)
            rep.start(0)
            for url in options.starts:
                crawl.start(url)
            _fetch_all(crawl, options)
            if options.prune and report.complete:
                crawl.prune()
            report.commits = writer.commits
    finally:
        fetcher.close()
        report.requests = fetcher.requests
        report.bytes = fetcher.bytes
        report.seconds = time.perf_counter() - started
    return report


def _fetch_all(crawl: _Crawl, options: CrawlOptions) -> None:
    """Fetch the frontier with a few threads; handle answers in this thread."""
    workers = max(1, options.concurrency * min(4, len(crawl.scope.hosts)))
    with ThreadPoolExecutor(workers, thread_name_prefix="crawl") as pool:
        running: dict[Future[Response], _Item] = {}
        while True:
            for item, headers in crawl.next_requests():
                running[
                    pool.submit(crawl.fetcher.get, item.url, headers, crawl.may_follow)
                ] = item
                if len(running) >= 2 * workers:
                    break
            if not running:
                if crawl.frontier:
                    continue
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                crawl.handle(running.pop(future), future.result())
                crawl.writer.checkpoint()
