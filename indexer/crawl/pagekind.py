"""What the crawler learns from a page besides its article: links to follow, its
canonical URL, ``robots`` meta directives, and whether it is an article at all.

Listing pages (tags, categories, authors, archives, search results, later pages
of a list) and home pages are how a crawler finds articles, but they are not
articles: they are followed and skipped with a reason, never indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

#: Path segments of listing pages (``/tag/energy/``, ``/category/x``, ...).
LISTING_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "topic",
        "topics",
        "category",
        "categories",
        "author",
        "authors",
        "archive",
        "archives",
        "search",
        "page",
    }
)
#: Query parameters of search result pages.
SEARCH_PARAMS = frozenset({"s", "q", "query", "search"})
#: ``og:type`` values of pages that are articles.
ARTICLE_TYPES = frozenset({"article", "blog", "blogposting", "newsarticle"})
_DATE_SEGMENT = re.compile(r"^\d{4}$|^\d{1,2}$")


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Links and directives read from a page's HTML."""

    links: tuple[str, ...] = ()
    canonical: str | None = None
    noindex: bool = False
    nofollow: bool = False
    og_type: str | None = None


def inspect(data: bytes, base_url: str) -> PageInfo:
    """Read a page's links (absolute, without fragments) and directives."""
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return PageInfo()
    base = base_url
    for href in root.xpath("//base/@href")[:1]:
        base = urljoin(base_url, str(href).strip())
    robots = " ".join(
        str(v).lower()
        for v in root.xpath(
            "//meta[translate(@name,'ROBTS','robts')='robots'"
            " or translate(@name,'ANLYSIECH','anlysiech')='analysis-search']/@content"
        )
    )
    og = root.xpath("//meta[@property='og:type']/@content")
    canon = root.xpath(
        "//link[contains(concat(' ',translate(@rel,'CANOIL','canoil'),' '),"
        "' canonical ')]/@href"
    )
    links: list[str] = []
    seen: set[str] = set()
    for a in root.xpath("//a[@href]"):
        rel = (a.get("rel") or "").lower().split()
        if "nofollow" in rel:
            continue
        url = absolute(base, a.get("href") or "")
        if url and url not in seen:
            seen.add(url)
            links.append(url)
    return PageInfo(
        links=tuple(links),
        canonical=absolute(base, str(canon[0])) if canon else None,
        noindex="noindex" in robots or "none" in robots.split(),
        nofollow="nofollow" in robots or "none" in robots.split(),
        og_type=str(og[0]).strip().lower() if og else None,
    )


def absolute(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``, without its fragment; None for
    anything but http(s)."""
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    url, _ = urldefrag(urljoin(base, href))
    return url if urlsplit(url).scheme in ("http", "https") else None


def not_an_article(url: str, info: PageInfo) -> str | None:
    """Why a page is not an article (None: it may be one)."""
    if info.noindex:
        return "not indexed: the page asks not to be (meta robots noindex)"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return "not an article: the home page"
    if LISTING_SEGMENTS & {s.lower() for s in segments}:
        return "not an article: a listing page (tag, category, author or search)"
    params = {p.split("=", 1)[0].lower() for p in parts.query.split("&") if p}
    if SEARCH_PARAMS & params:
        return "not an article: a search results page"
    if all(_DATE_SEGMENT.match(s) for s in segments):
        return "not an article: a date archive"
    if info.og_type and info.og_type not in ARTICLE_TYPES:
        return f"not an article: og:type is {info.og_type!r}"
    return None
