"""A small live site on loopback for the crawler tests and ``benchmarks.crawl``
(the standard library's threading HTTP server): the example articles with ETags,
a sitemap index, a gzip sitemap, ``robots.txt`` with a disallowed path and a
crawl delay, a redirect, a 404, a 500 that recovers, a 429 with ``Retry-After``,
a tag listing page and a home page. Every request is logged with its time,
status and headers."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
CRAWL_DELAY = 0.05


@dataclass
class Request:
    """One request the site answered."""

    path: str
    status: int
    started: float
    headers: dict[str, str]


@dataclass
class Site:
    """What the site serves; tests change it between crawls."""

    pages: dict[str, bytes]  # path -> page bytes
    listed: set[str]  # paths in the sitemap
    max_age: int | None = None
    fail_once: set[str] = field(default_factory=set)  # 500 on the first request
    busy_once: set[str] = field(default_factory=set)  # 429 on the first request
    redirects: dict[str, str] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)  # paths asked for, ever
    lastmod: dict[str, str] = field(default_factory=dict)  # sitemap lastmod
    base: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def page_requests(self) -> list[Request]:
        return [r for r in self.log if r.path.startswith("/articles/")]


def article_paths() -> dict[str, bytes]:
    """``/articles/<name>/`` -> the example page's bytes."""
    pages = {}
    for path in sorted(EXAMPLES.iterdir()):
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        name = path.name.split(".")[0]
        pages[f"/articles/{name}/"] = data
    return pages


def _sitemap(base: str, paths: list[str], lastmod: dict[str, str]) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p}</loc>"
        f"<lastmod>{lastmod.get(p, '2024-01-01')}</lastmod></url>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>"
    ).encode()


Answer = tuple[int, dict[str, str], bytes]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            started = time.monotonic()
            headers = dict(self.headers.items())
            status, out, body = _site_file(site, self.path) or _page(
                site, self.path, headers
            )
            with site.lock:
                site.log.append(Request(self.path, status, started, headers))
            self.send_response(status)
            for name, value in out.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _site_file(site: Site, path: str) -> Answer | None:
    """robots.txt and the sitemaps (None for any other path)."""
    xml = {"Content-Type": "application/xml"}
    if path == "/robots.txt":
        text = (
            f"User-agent: *\nDisallow: /private/\nCrawl-delay: {CRAWL_DELAY}\n"
            f"Sitemap: {site.base}/sitemap_index.xml\n"
        )
        return 200, {"Content-Type": "text/plain"}, text.encode()
    if path == "/sitemap_index.xml":
        body = (
            '<?xml version="1.0"?><sitemapindex '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{site.base}/sitemap-articles.xml.gz</loc></sitemap>"
            f"<sitemap><loc>{site.base}/sitemap-more.xml</loc></sitemap>"
            "</sitemapindex>"
        ).encode()
        return 200, xml, body
    listed = sorted(site.listed)
    if path == "/sitemap-articles.xml.gz":
        paths = [p for p in listed if p.startswith("/articles/")]
        body = gzip.compress(_sitemap(site.base, paths, site.lastmod))
        return 200, {"Content-Type": "application/gzip"}, body
    if path == "/sitemap-more.xml":
        paths = [p for p in listed if not p.startswith("/articles/")]
        return 200, xml, _sitemap(site.base, paths, site.lastmod)
    return None


def _page(site: Site, path: str, headers: dict[str, str]) -> Answer:
    """A page, a redirect, a listing, or an error as the site is set up."""
    with site.lock:
        seen = path in site.answered
        site.answered.add(path)
    if path in site.redirects:
        return 301, {"Location": site.base + site.redirects[path]}, b""
    if path in site.fail_once and not seen:
        return 500, {"Content-Type": "text/plain"}, b"try again"
    if path in site.busy_once and not seen:
        return 429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow"
    if path in ("/tag/energy/", "/"):
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in sorted(site.pages))
        page = (
            "<html><head><title>Energy</title></head><body><h1>Energy</h1>"
            f'<ul>{links}</ul><a href="/private/secret/">members</a></body></html>'
        )
        return 200, {"Content-Type": "text/html"}, page.encode()
    if path.startswith("/private/"):
        secret = b"<html><body><article><h1>Secret</h1><p>x</p></article></body>"
        return 200, {"Content-Type": "text/html"}, secret
    data = site.pages.get(path)
    if data is None:
        return 404, {"Content-Type": "text/plain"}, b"not found"
    etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
    out = {"Content-Type": "text/html; charset=utf-8", "ETag": etag}
    if site.max_age is not None:
        out["Cache-Control"] = f"max-age={site.max_age}"
    if headers.get("If-None-Match") == etag:
        return 304, {"ETag": etag}, b""
    return 200, out, data


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    """Serve ``site`` on a free loopback port for the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def standard_site() -> Site:
    """The examples plus the special pages, as listed in the sitemaps."""
    pages = article_paths()
    names = sorted(pages)
    flaky, busy = names[0], names[1]
    redirect_target = names[2]
    listed = set(pages) | {
        "/private/secret/",
        "/gone/",
        "/old/moved/",
        "/members/",
        "/tag/energy/",
    }
    return Site(
        pages=pages,
        listed=listed,
        fail_once={flaky},
        busy_once={busy},
        redirects={"/old/moved/": redirect_target, "/members/": "/private/secret/"},
    )
