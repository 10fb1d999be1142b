"""Page bytes -> decoded text -> BeautifulSoup (lxml) -> ``Article``; pure, no I/O.

Bad input is refused with ``ParseError(source, reason)``, one clear reason each:

- ``empty file``: no bytes, or only whitespace;
- ``corrupt gzip data``: bytes starting with the gzip magic that do not inflate;
- ``page too large``: more than ``MAX_PAGE_BYTES`` (20 MB) once decompressed; the
  page is refused rather than truncated, because a cut page would index a body
  without its end and change silently from run to run;
- ``binary file (not HTML)``: many control bytes at the start (over 5 % of the first
  8 KB and over 32 of them; a few stray NULs are dropped from the text instead), or a
  known binary signature (PDF, images, archives);
- ``too many elements``: over ``MAX_ELEMENTS`` (100,000) tags, which would take
  seconds to parse;
- ``unparseable markup``: the parser gave up;
- ``no article text``: the body holds fewer than ``MIN_BODY_WORDS`` (10) words and
  fewer than ``MIN_BODY_CHARS`` (80) characters.

Broken markup is not an error: lxml repairs it the way browsers do.
"""

from __future__ import annotations

import codecs
import gc
import html
import re
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.exceptions import ParserRejectedMarkup
from lxml import etree

from indexer.body import extract_body
from indexer.errors import ParseError
from indexer.metadata import extract_metadata
from indexer.model import Article
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.sources import MAX_PAGE_BYTES
from search import schema

#: A body with fewer words than this, and fewer than ``MIN_BODY_CHARS`` characters
#: (Chinese or Japanese text has no spaces between words), is "no article text".
MIN_BODY_WORDS = 10
MIN_BODY_CHARS = 80
#: A summary taken from the body is its first paragraph, cut at a word boundary when
#: longer than this (a page whose first "paragraph" is a whole unbroken text).
SUMMARY_CHARS = 1000

#: Elements a page may hold: parsing costs about 40 µs an element, so this bounds a
#: page's time near 4 s on a slow core (the largest real articles hold ~30,000).
MAX_ELEMENTS = 100_000
_TAG_START = re.compile(r"<[A-Za-z]")
#: Pages nested deeper than the recursion limit are read again with elements below
#: this depth left out (their text kept).
MAX_DEPTH = 200
_RAW_TEXT = frozenset({"script", "style"})
#: Text blocks kept below ``MAX_DEPTH`` (HTML closes them rather than nesting them).
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "br"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
     "source", "track", "wbr"}
)  # fmt: skip
_NAME = re.compile(r"[A-Za-z_:][-\w.:]*\Z")
_GZIP_MAGIC = b"\x1f\x8b"
_BINARY_MAGICS = (
    b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x7fELF",
    b"MZ", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"OggS", b"ID3", b"RIFF",
)  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: ``<meta charset=...>`` and ``<meta http-equiv=... content="...; charset=...">``.
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
#: Single-byte labels that browsers read as windows-1252 (WHATWG encoding standard).
_AS_CP1252 = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii",
     "cp819", "ibm819", "iso-ir-100", "windows-1252", "cp1252", "x-cp1252"}
)  # fmt: skip
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SNIFF_BYTES = 8192
#: More control characters than this share of the first bytes, and more than
#: ``MIN_CONTROL_BYTES``, means binary data; fewer are stray bytes in a text page
#: (dropped from the text, as a browser does not show them).
MAX_CONTROL_SHARE = 0.05
MIN_CONTROL_BYTES = 32


def decompress(data: bytes, source: str) -> bytes:
    """Inflate gzip data (at most ``MAX_PAGE_BYTES``); other bytes are returned as is.

    Raises:
        ParseError: Corrupt gzip data, or a page over the size limit.
    """
    if data[:2] == _GZIP_MAGIC:
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(data, MAX_PAGE_BYTES + 1)
        except zlib.error as exc:
            raise ParseError(source, f"corrupt gzip data ({exc})") from None
    if len(data) > MAX_PAGE_BYTES:
        raise ParseError(
            source,
            f"page too large (over the limit of {MAX_PAGE_BYTES // 1048576} MB)",
        )
    return data


def decode_html(data: bytes, source: str) -> str:
    """Decode page bytes to text.

    Order: a byte-order mark; UTF-8 when the bytes are valid UTF-8 (a declared
    single-byte charset is often wrong, valid UTF-8 by chance almost never is); the
    charset declared in a ``<meta>`` tag, strictly; windows-1252 with replacement
    characters for the bytes it cannot map.

    Raises:
        ParseError: Empty or binary data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _without_controls(data[len(bom) :].decode(encoding, "replace"))
    head = data[:_SNIFF_BYTES]
    if not head.strip():
        raise ParseError(source, "empty file")
    if head.startswith(_BINARY_MAGICS):
        raise ParseError(source, "binary file (not HTML)")
    utf16 = _utf16_without_bom(head)
    if utf16:
        return _without_controls(data.decode(utf16, errors="replace"))
    controls = len(_CONTROL.findall(head))
    if controls > max(MAX_CONTROL_SHARE * len(head), MIN_CONTROL_BYTES):
        raise ParseError(source, "binary file (not HTML)")
    # stray NULs and other control characters in a text page: browsers show the
    # text around them, and so do we
    return _without_controls(_decode_text(data))


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is NUL (ASCII markup in UTF-16)."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _without_controls(text: str) -> str:
    if _CONTROL_TEXT.search(text) is None:
        return text
    return _CONTROL_TEXT.sub("", text)


def _decode_text(data: bytes) -> str:
    """Decode bytes that are text (UTF-8, else a declared charset, else cp1252)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _DECLARED_CHARSET.search(data, 0, 4 * _SNIFF_BYTES)
    if match:
        label = match.group(1).decode("ascii", "replace").lower()
        if label not in _AS_CP1252:
            try:
                return data.decode(codecs.lookup(label).name)
            except (LookupError, UnicodeDecodeError):
                pass
    return data.decode("cp1252", errors="replace")


def make_soup(text: str, source: str) -> BeautifulSoup:
    """Parse decoded HTML with lxml (broken markup is repaired, not refused)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        try:
            return BeautifulSoup(text, "lxml")
        except ParserRejectedMarkup as exc:
            raise ParseError(source, f"unparseable markup ({exc})") from None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a page's tree is built and read.

    A BeautifulSoup tree is tens of thousands of young objects that all survive
    until the page is done, so the collector rescans them again and again for
    nothing; pausing it makes a page about a quarter faster. The tree becomes
    garbage afterwards and is collected as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def summarize(body: str, limit: int = SUMMARY_CHARS) -> str:
    """The body's first paragraph, cut at a word boundary near ``limit`` characters."""
    first = body.split("\n\n", 1)[0].strip()
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


def _first_heading(soup: BeautifulSoup) -> str:
    for tag in soup.find_all(["h1", "h2"], limit=2):
        text = " ".join(tag.get_text(" ").split())
        if text:
            return text
    return ""


def _too_short(body: str) -> bool:
    return len(body.split()) < MIN_BODY_WORDS and len(body) < MIN_BODY_CHARS


def _extract(text: str, source: str, site: SiteConfig) -> tuple[Any, str, str]:
    """Metadata, body text and first heading of decoded HTML."""
    with _gc_paused():
        soup = make_soup(text, source)
        try:
            meta = extract_metadata(soup, site=site)
            body = extract_body(soup, site=site)
            heading = "" if meta.title else _first_heading(soup)
        finally:
            # The tree is a web of parent/child cycles: breaking them here lets
            # reference counting free it at once, instead of leaving tens of
            # thousands of objects for the collector to scan (and rescan) later.
            # ``soup.decompose()`` would not: the soup object is outside the
            # element chain that ``decompose`` walks, so its children go one by one.
            for top in list(soup.contents):
                top.decompose()
    return meta, body, heading


class _Flattener:
    """An lxml parser target that writes the page back with nesting capped.

    Container tags deeper than ``max_depth`` are left out and their text kept in
    place; text blocks (paragraphs, headings, list items), which HTML does not nest,
    are kept at any depth so the body still reads as paragraphs. The tree
    BeautifulSoup builds next then has no chain its recursive helpers cannot walk.
    lxml's event parser (unlike its tree builder, which stops at depth 256) reads
    any depth.
    """

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.open: list[bool] = []  # per open element: written out or not
        self.raw = 0  # inside <script>/<style>, whose text is not escaped
        self.out: list[str] = []

    def start(self, tag: str, attrib: Any) -> None:
        keep = len(self.open) < self.max_depth or tag in _BLOCKS
        self.open.append(keep)
        if keep:
            attrs = "".join(
                f' {k}="{html.escape(v)}"' for k, v in attrib.items() if _NAME.match(k)
            )
            self.out.append(f"<{tag}{attrs}>")
        if tag in _RAW_TEXT:
            self.raw += 1

    def end(self, tag: str) -> None:
        if tag in _RAW_TEXT:
            self.raw -= 1
        if self.open.pop() and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def data(self, data: str) -> None:
        self.out.append(data if self.raw else html.escape(data, quote=False))

    def close(self) -> str:
        return "".join(self.out)


def flatten_deep(text: str, max_depth: int = MAX_DEPTH) -> str:
    """The page's HTML with no element nested deeper than ``max_depth``."""
    parser = etree.HTMLParser(target=_Flattener(max_depth), huge_tree=True)
    parser.feed(text)
    result: str = parser.close()
    return result


def parse_html(
    data: bytes, *, source: str, doc_id: str, site: SiteConfig = EMPTY
) -> Article:
    """Turn one page's bytes into an ``Article``.

    Metadata is read first (``indexer.metadata.extract_metadata``), then the body
    (``indexer.body.extract_body``, which may modify the soup).

    Fields: ``id`` is the declared canonical URL, else ``doc_id``; ``url`` the
    canonical URL ("" when none); ``title`` the metadata headline, else the page's
    first ``<h1>``/``<h2>``; ``summary`` the description, else the body's first
    paragraph (cut near ``SUMMARY_CHARS`` characters when longer); ``content_hash``
    hashes ``data`` as given.

    Args:
        data: The page bytes (gzip-compressed bytes are inflated here too).
        source: The page's label in errors and in the document (its path as given).
        doc_id: The id to use when the page declares no canonical URL.
        site: Per-site CSS-selector overrides.

    Returns:
        The article.

    Raises:
        ParseError: Bad input (see the module docstring for every reason).
    """
    if not data:
        raise ParseError(source, "empty file")
    raw = decompress(data, source)
    text = decode_html(raw, source)
    if text.count("<") > MAX_ELEMENTS:
        elements = sum(1 for _ in _TAG_START.finditer(text))
        if elements > MAX_ELEMENTS:
            raise ParseError(
                source,
                f"too many elements ({elements:,}; at most {MAX_ELEMENTS:,} a page)",
            )
    try:
        meta, body, heading = _extract(text, source, site)
    except RecursionError:
        meta, body, heading = _extract(flatten_deep(text), source, site)
    else:
        if _too_short(body) and text.count("<") > MAX_DEPTH:
            # perhaps nested deeper than the body's walk goes (body.MAX_DEPTH):
            # elements nested thousands deep (browsers show such pages) are read
            # again with everything below MAX_DEPTH lifted up to it, text kept
            meta, body, heading = _extract(flatten_deep(text), source, site)
    if _too_short(body):
        raise ParseError(source, "no article text")
    canonical = meta.canonical_url or ""
    return Article(
        id=canonical or doc_id,
        title=meta.title or heading,
        body=body,
        url=canonical,
        authors=tuple(meta.authors),
        tags=tuple(meta.tags),
        section=meta.section or "",
        published=meta.published,
        updated=meta.updated,
        summary=meta.description or summarize(body),
        language=meta.language or "",
        content_hash=schema.content_hash(data),
        source=source,
    )
