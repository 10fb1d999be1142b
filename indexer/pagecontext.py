"""The per-page evidence the metadata extractors share, collected in one tree pass.

:func:`build_context` walks the parsed page once and files what the field extractors
of :mod:`indexer.metadata` read: meta tags by name, JSON-LD nodes, microdata
properties, headings, ``<time>`` elements, author/tag/category links, byline and
date elements, labels ("Author:", "Date:"). It never modifies the soup. The text
helpers here (the headline element, the text that follows it, site names) are
shared by the title, author and date extractors.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from indexer import bylines
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.structured import JsonLd, itemprop_value

_SPACE = re.compile(r"\s+")


_DATE_HINT = re.compile(
    r"date|time|publish|posted|datum|fecha|data|dateline|meta|zeit|heure|byline|"
    r"submitted"
)


_TAG_HREF = re.compile(
    r"/(?:tags?|tagged|schlagw[oö]rter|schlagwort|stichw[oö]rter|etiquetas?|"
    r"etiqueta|tema|themen?|topics?|keywords?|mots?-cles?|argomenti|trefwoord)[/=]"
)


_WIDGET_CLASS = re.compile(r"widget|sidebar|tagcloud|tag-cloud|cloud|menu")


_TAG_LABEL = re.compile(
    r"^\s*(?:tags?|tagged|tagged with|filed under|topics?|keywords|schlagw[oö]rte|"
    r"stichw[oö]rter|themen|mots[- ]cl[ée]s|étiquettes|etiquetas|temas|argomenti|"
    r"trefwoorden)\b",
    re.IGNORECASE,
)


_TAG_CONTAINER = re.compile(
    r"(?:^|[\s_-])(?:tags?|tag-?list|post-?tags|entry-?tags|keywords|"
    r"schlagw|stichw|etiquetas|topics)(?:$|[\s_-])"
)


_AUTHOR_HREF = re.compile(
    r"/(?:authors?|autor(?:en|in)?|auteurs?|autore|autori|writers?|journalists?|"
    r"columnists?|contributors?|profiles?/authors?)/[^/?#]+/?(?:$|[?#])"
)


_DATE_LABEL = re.compile(
    r"^(?:date|datum|fecha|data|published|publication date|posted|posted on|"
    r"veröffentlicht(?: am)?|erschienen(?: am)?|publié le|publicado(?: el)?|"
    r"pubblicato(?: il)?|gepubliceerd(?: op)?|stand)\s*[:：]?$",
    re.IGNORECASE,
)


_LABEL_TAGS = frozenset(
    {
        "strong",
        "b",
        "em",
        "i",
        "span",
        "small",
        "h4",
        "h5",
        "h6",
        "dt",
        "th",
        "p",
        "div",
    }
)


#: A publication-date key with a string value in an inline JSON/JS data script.
_SCRIPT_DATE = re.compile(
    r'"(?:datePublished|publishedDate|published_at|publishDate|publish_date|'
    r'publicationDate|pubDate|firstPublished(?:At|Date)?)"\s*:\s*"([^"]{8,40})"'
)


_HREF_HINT = re.compile(
    f"(?P<tag>{_TAG_HREF.pattern})|(?P<author>{_AUTHOR_HREF.pattern})"
)


@dataclass(slots=True)
class PageContext:
    """Evidence collected once per page and shared by the field extractors.

    Attributes:
        soup: The parsed page (read only).
        site: The site's CSS-selector overrides.
        url: The page's URL when known.
        meta: ``<meta>`` contents by lower-cased ``name``/``property``/``http-equiv``.
        ld: The page's JSON-LD nodes.
        itemprops: Microdata elements by lower-cased ``itemprop`` name.
        links: ``<link>`` hrefs by lower-cased ``rel`` value.
        h1s: The ``<h1>`` elements.
        h2s: The first three ``<h2>`` elements (headline of pages without ``<h1>``).
        times: The ``<time>`` elements.
        rel_authors: ``<a rel=author>`` elements.
        tag_links: ``<a rel=tag>`` and links to tag pages inside tag containers.
        bylines: Elements whose class/id marks an author or byline.
        date_nodes: Elements whose class/id marks a date.
        positions: Document-order index of each h1 and date element (by ``id()``).
        author_labels: Small elements reading just "Author:", "Autor:", "By"...
        date_labels: Small elements reading just "Date:", "Datum:", "Published:"...
        person_items: Microdata items typed schema.org ``Person``.
        category_links: ``<a rel=category>`` links (WordPress categories).
        breadcrumbs: Breadcrumb containers (class/id ``breadcrumb``, ``crumbs``).
        html_lang: The ``lang`` attribute of ``<html>``.
        title_tag: The text of ``<title>``.
        data_scripts: Inline scripts (not JSON-LD) mentioning "publish".
    """

    soup: BeautifulSoup
    site: SiteConfig = EMPTY
    url: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)
    ld: JsonLd = field(default_factory=lambda: JsonLd(()))
    itemprops: dict[str, list[Tag]] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)
    h1s: list[Tag] = field(default_factory=list)
    h2s: list[Tag] = field(default_factory=list)
    times: list[Tag] = field(default_factory=list)
    rel_authors: list[Tag] = field(default_factory=list)
    tag_links: list[Tag] = field(default_factory=list)
    bylines: list[Tag] = field(default_factory=list)
    date_nodes: list[Tag] = field(default_factory=list)
    positions: dict[int, int] = field(default_factory=dict)
    author_labels: list[Tag] = field(default_factory=list)
    date_labels: list[Tag] = field(default_factory=list)
    person_items: list[Tag] = field(default_factory=list)
    category_links: list[Tag] = field(default_factory=list)
    breadcrumbs: list[Tag] = field(default_factory=list)
    html_lang: str | None = None
    title_tag: str | None = None
    data_scripts: list[str] = field(default_factory=list)

    def first_meta(self, names: tuple[str, ...]) -> str | None:
        """The first non-empty meta content among ``names`` (in that order)."""
        for name in names:
            values = self.meta.get(name)
            if values:
                return values[0]
        return None

    def script_dates(self) -> list[str]:
        """Values of publication keys (``"publishedDate": "..."``, ``published_at``)
        in the page's inline data scripts, in page order."""
        return [m.group(1) for s in self.data_scripts for m in _SCRIPT_DATE.finditer(s)]

    def select_texts(self, selectors: tuple[str, ...]) -> list[str]:
        """Texts of the elements matching the site's ``selectors``, in page order."""
        out: list[str] = []
        for selector in selectors:
            for tag in self.soup.select(selector):
                text = itemprop_value(tag) if tag.name in ("meta", "time") else None
                text = text or clean_text(tag.get_text(" ", strip=True))
                if text:
                    out.append(text)
        return out


def clean_text(value: str | None) -> str:
    """``value`` with whitespace collapsed and trimmed ("" for None)."""
    return _SPACE.sub(" ", value).strip() if value else ""


def class_id(tag: Tag) -> str:
    """The element's classes and id as one string ("" when it has neither)."""
    attrs = tag.attrs
    classes = attrs.get("class")
    text = " ".join(classes) if isinstance(classes, list) else str(classes or "")
    tag_id = attrs.get("id")
    return f"{text} {tag_id}" if isinstance(tag_id, str) else text


def build_context(
    soup: BeautifulSoup, *, site: SiteConfig = EMPTY, url: str | None = None
) -> PageContext:
    """Collect, in one pass over the tree, everything the field extractors read.

    Args:
        soup: The parsed page; it is not modified.
        site: CSS-selector overrides.
        url: The page's URL when known (resolves relative canonical links).

    Returns:
        The page context.
    """
    ctx = PageContext(soup=soup, site=site, url=url)
    scripts: list[str] = []
    seen: dict[str, tuple[bool, bool]] = {}  # class/id string -> (byline, date)
    for position, tag in enumerate(soup.find_all(True)):
        name = tag.name
        attrs = tag.attrs
        if name == "script":
            kind = attrs.get("type")
            if isinstance(kind, str) and "ld+json" in kind.lower():
                scripts.append(tag.string or tag.get_text())
            elif tag.string and "ublish" in tag.string:
                ctx.data_scripts.append(tag.string)
            continue
        _visit_named(ctx, tag, position)
        item_type = attrs.get("itemtype")
        if isinstance(item_type, str) and item_type.endswith("/Person"):
            ctx.person_items.append(tag)
        if "itemprop" in attrs:
            props = attrs["itemprop"]
            for prop in props if isinstance(props, list) else str(props).split():
                ctx.itemprops.setdefault(prop.lower(), []).append(tag)
        if ("class" in attrs or "id" in attrs) and name not in ("meta", "link"):
            marks = class_id(tag).lower()
            hints = seen.get(marks)
            if hints is None:
                hints = seen[marks] = (
                    bool(bylines.BYLINE_CLASS.search(marks)),
                    bool(_DATE_HINT.search(marks)) and "comment" not in marks,
                )
            if hints[0]:
                ctx.bylines.append(tag)
            if "crumb" in marks and len(ctx.breadcrumbs) < 3:
                ctx.breadcrumbs.append(tag)
            if hints[1]:
                ctx.date_nodes.append(tag)
                ctx.positions[id(tag)] = position
    ctx.ld = JsonLd(scripts)
    return ctx


def _visit_named(ctx: PageContext, tag: Tag, position: int) -> None:
    """File ``tag`` under the context list its element name belongs to."""
    name = tag.name
    if name == "meta":
        _add_meta(ctx, tag)
    elif name == "link":
        _add_link(ctx, tag)
    elif name == "h1" or name == "h2" and len(ctx.h2s) < 3:
        (ctx.h1s if name == "h1" else ctx.h2s).append(tag)
        ctx.positions[id(tag)] = position
    elif name == "time":
        ctx.times.append(tag)
        ctx.positions[id(tag)] = position
    elif name in _LABEL_TAGS and len(tag.contents) == 1:
        text = tag.string
        if text is not None and len(text) <= 100:
            if bylines.is_label(text):
                ctx.author_labels.append(tag)
            elif len(text) <= 30 and _DATE_LABEL.match(text.strip()):
                ctx.date_labels.append(tag)
    elif name == "a":
        _add_anchor(ctx, tag)
    elif name == "title" and ctx.title_tag is None:
        ctx.title_tag = clean_text(tag.get_text())
    elif name == "html":
        lang = tag.get("lang") or tag.get("xml:lang")
        ctx.html_lang = lang if isinstance(lang, str) else None


def _add_meta(ctx: PageContext, tag: Tag) -> None:
    key = tag.get("property") or tag.get("name") or tag.get("http-equiv")
    if not key:
        key = tag.get("itemprop")
    content = tag.get("content")
    if isinstance(key, list):
        key = " ".join(key)
    if isinstance(key, str) and key[:3].lower() in ("dc:", "dct"):
        key = key.replace(":", ".", 1)  # dc:creator, dcterms:created
    if isinstance(key, str) and isinstance(content, str):
        content = clean_text(html.unescape(content) if "&" in content else content)
        if content:
            ctx.meta.setdefault(key.strip().lower(), []).append(content)


def _add_link(ctx: PageContext, tag: Tag) -> None:
    rel = tag.get("rel")
    href = tag.get("href")
    if isinstance(href, str) and href.strip():
        for value in rel if isinstance(rel, list) else str(rel or "").split():
            ctx.links.setdefault(value.lower(), []).append(href.strip())


def _add_anchor(ctx: PageContext, tag: Tag) -> None:
    rel = tag.get("rel")
    rels = [r.lower() for r in rel] if isinstance(rel, list) else []
    href = tag.get("href")
    hint = _HREF_HINT.search(href.lower()) if isinstance(href, str) else None
    if "author" in rels or hint is not None and hint.group("author"):
        ctx.rel_authors.append(tag)
    if "category" in rels:
        ctx.category_links.append(tag)  # WordPress: rel="category tag"
    elif "tag" in rels and not in_widget(tag):
        ctx.tag_links.append(tag)
    elif hint is not None and hint.group("tag") and _in_tag_list(tag):
        ctx.tag_links.append(tag)


def in_widget(tag: Tag) -> bool:
    """Whether ``tag`` sits in a sidebar/footer widget (a site-wide tag cloud)."""
    for parent in tag.parents:
        if parent.name in ("body", "html", "[document]"):
            return False
        if parent.name in ("aside", "nav"):
            return True
        if _WIDGET_CLASS.search(class_id(parent).lower()):
            return True
    return False


def _leading_text(tag: Tag) -> str:
    """The text of ``tag``'s first non-blank child (a string or an element)."""
    for child in tag.children:
        if isinstance(child, Tag):
            return child.get_text(" ", strip=True)
        if isinstance(child, NavigableString) and child.strip():
            return str(child)
    return ""


def _in_tag_list(tag: Tag) -> bool:
    """Whether a link to a tag page sits in the article's tag list: a container
    classed as tags, or one whose text starts "Tags:", "Filed under", "Schlagworte"."""
    for depth, parent in enumerate(tag.parents):
        if depth > 4 or parent.name in ("body", "html", "[document]"):
            return False
        marks = class_id(parent).lower()
        if _WIDGET_CLASS.search(marks):
            return False
        if _TAG_CONTAINER.search(marks):
            return not in_widget(parent)
        if _TAG_LABEL.match(_leading_text(parent)):
            return not in_widget(parent)
    return False


def normal_text(text: str) -> str:
    """``text`` case-folded, as its words separated by single spaces."""
    return " ".join(_WORD.findall(text.casefold()))


_WORD = re.compile(r"\w+")


def site_names(ctx: PageContext) -> list[str]:
    names = [n for n in (ctx.meta.get("og:site_name") or []) if n]
    names += ctx.meta.get("application-name") or []
    publisher = ctx.ld.first_text("publisher")
    if publisher:
        names.append(publisher)
    host = urlsplit(page_url(ctx) or "").hostname or ""
    label = host.removeprefix("www.").split(".")[0] if host else ""
    if label:
        names.append(label)
    return [norm for n in names if (norm := normal_text(n))]


def is_site_segment(segment: str, site_names: list[str]) -> bool:
    norm = normal_text(segment)
    if not norm:
        return False
    compact = norm.replace(" ", "")
    for name in site_names:
        name_compact = name.replace(" ", "")
        if norm == name or compact == name_compact:
            return True
        if len(name_compact) >= 4 and (
            name_compact in compact or compact in name_compact
        ):
            return len(norm.split()) <= 6
    return False


def headline_element(ctx: PageContext) -> Tag | None:
    """The ``<h1>`` holding the headline (agreeing with the meta title if possible)."""
    refs = [normal_text(r) for r in ctx.meta.get("og:title", [])[:1]]
    if ctx.title_tag:
        refs.append(normal_text(ctx.title_tag))
    fallback: Tag | None = None
    for h1 in ctx.h1s[:6] or ctx.h2s:
        norm = normal_text(h1.get_text(" ", strip=True))
        if len(norm) < 8:
            continue
        if any(norm in ref for ref in refs):
            return h1
        fallback = fallback or h1
    return fallback if ctx.h1s else None


def page_url(ctx: PageContext) -> str | None:
    """The page's URL: the one given, else the declared canonical URL."""
    return ctx.url or canonical_url(ctx)


def canonical_link(ctx: PageContext) -> str | None:
    for href in ctx.links.get("canonical", []):
        if href.startswith(("http://", "https://", "/")):
            return urljoin(ctx.url, href) if ctx.url else href
    return None


def canonical_url(ctx: PageContext) -> str | None:
    """The page's declared canonical URL.

    Fallback order: ``<link rel=canonical>`` (resolved against the page URL);
    ``og:url``; JSON-LD ``url`` / ``mainEntityOfPage`` of the article node.
    """
    found = canonical_link(ctx)
    if found and found.startswith(("http://", "https://")):
        return found
    candidates = list(ctx.meta.get("og:url", []))
    for key in ("url", "mainEntityOfPage"):
        for value in ctx.ld.values(key):
            if isinstance(value, dict):
                value = value.get("@id") or value.get("url")
            if isinstance(value, str):
                candidates.append(value)
    for value in candidates:
        if value.startswith(("http://", "https://")):
            return value
    return found
