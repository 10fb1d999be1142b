"""Sitemaps (sitemaps.org): a ``urlset`` of pages with ``lastmod``, or a
``sitemapindex`` of more sitemaps; plain or gzip-compressed.

Parsed with lxml without network access or entity expansion (a sitemap is
untrusted input); a sitemap holds at most 50,000 URLs and 50 MB (the protocol's
limits), so larger ones are cut there.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

#: URLs read from one sitemap at most (the protocol's limit).
MAX_SITEMAP_URLS = 50_000
#: Bytes of one (uncompressed) sitemap read at most.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """A page listed in a sitemap, with its ``lastmod`` (None when absent or bad)."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: its pages, or (an index) its child sitemaps."""

    pages: tuple[SitemapEntry, ...] = ()
    children: tuple[str, ...] = ()


class SitemapError(ValueError):
    """The bytes are not a sitemap."""


def parse_sitemap(data: bytes) -> Sitemap:
    """Parse a sitemap (gzip-compressed or not).

    Raises:
        SitemapError: Not XML, not a sitemap, or bad gzip.
    """
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                data = fh.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise SitemapError(f"bad gzip ({exc})") from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data[:MAX_SITEMAP_BYTES], parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML ({exc})") from None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (root element <{kind}>)")
    entries: list[SitemapEntry] = []
    for item in root:
        if not isinstance(item.tag, str):
            continue
        loc = lastmod = None
        for child in item:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name == "loc":
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = _date((child.text or "").strip())
        if loc:
            entries.append(SitemapEntry(loc, lastmod))
        if len(entries) >= MAX_SITEMAP_URLS:
            break
    if kind == "sitemapindex":
        return Sitemap(children=tuple(e.url for e in entries))
    return Sitemap(pages=tuple(entries))


def _date(text: str) -> datetime | None:
    """A W3C datetime (``2024-05-01``, ``2024-05-01T10:00:00+00:00``, ``...Z``)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when
