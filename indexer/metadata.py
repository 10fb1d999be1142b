"""Article metadata from a parsed page: one pure function per field, evidence in order.

Every ``extract_*`` function reads a :class:`PageContext` built once per page by
:func:`build_context` (meta tags, JSON-LD, microdata and the few elements the
extractors look at are collected in one pass over the tree) and never mutates
the soup. Each function's docstring gives its fallback order; the general order is
site selectors, structured data, meta tags, page conventions, text heuristics.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from indexer import bylines
from indexer.dates import date_from_url, find_date_in_text, parse_date
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.structured import JsonLd, itemprop_value, texts

#: Meta names (lower-case ``name``/``property``) per field, best first.
META_TITLE = (
    "og:title",
    "twitter:title",
    "dc.title",
    "dcterms.title",
    "citation_title",
    "parsely-title",
    "sailthru.title",
    "title",
    "headline",
)
META_AUTHOR = (
    "author",
    "article:author",
    "og:article:author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "parsely-author",
    "sailthru.author",
    "byl",
    "dc.creator.name",
    "article:author_name",
    "book:author",
    "cxenseparse:author",
    "creator",
)
META_PUBLISHED = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "citation_online_date",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publish_date",
    "published_time",
    "pubdate",
    "publication_date",
    "article.published",
    "og:published_time",
    "cxenseparse:recs:publishtime",
    "article_date_original",
    "originalpublicationdate",
    "release_date",
    "date_published",
)
#: Generic date meta names: often the CMS record's date, so weaker than a <time>.
META_DATE_WEAK = ("date", "dc.date", "dcterms.date", "displaydate", "created")
META_UPDATED = (
    "article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "og:article:modified_time",
    "article.updated",
    "modified",
)
META_TAGS = (
    "article:tag",
    "og:article:tag",
    "parsely-tags",
    "sailthru.tags",
    "book:tag",
    "news_keywords",
    "keywords",
    "dc.subject",
    "dcterms.subject",
    "citation_keywords",
)
META_SECTION = (
    "article:section",
    "og:article:section",
    "parsely-section",
    "section",
    "article.section",
    "cxenseparse:pageclass",
    "category",
    "dc.type",
)
META_DESCRIPTION = (
    "description",
    "og:description",
    "twitter:description",
    "dc.description",
    "dcterms.abstract",
    "citation_abstract",
)
META_SITE_NAME = (
    "og:site_name",
    "application-name",
    "publisher",
    "dc.publisher",
    "citation_journal_title",
    "twitter:site",
)
META_LANGUAGE = (
    "content-language",
    "dc.language",
    "language",
    "og:locale",
    "citation_language",
)

_SPACE = re.compile(r"\s+")
_DATE_HINT = re.compile(
    r"date|time|publish|posted|datum|fecha|data|dateline|meta|zeit|heure|byline"
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
_META_AUTHOR_LIKE = re.compile(r"[:._]author(?:_?name)?$|^author_?name$")
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
_HREF_HINT = re.compile(
    f"(?P<tag>{_TAG_HREF.pattern})|(?P<author>{_AUTHOR_HREF.pattern})"
)
_TITLE_SEPARATORS = (
    " | ",
    " - ",
    " – ",
    " — ",
    " :: ",
    " // ",
    " » ",
    " « ",
    " · ",
    " : ",
    " ~ ",
    " • ",
)
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Metadata:
    """The metadata fields of one article page (``None``/empty when unknown).

    Attributes:
        title: The headline, without the site name.
        authors: Person (or, failing that, organisation) names, in byline order.
        published: Publication time, timezone-aware.
        updated: Last modification time, timezone-aware.
        tags: Tags/keywords, in page order, deduplicated case-insensitively.
        section: Section or category.
        description: The page's own summary (meta description and friends).
        language: ISO 639-1 code such as ``en``.
        canonical_url: The declared canonical URL (absolute when resolvable).
        site_name: The publication's name.
    """

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    section: str | None = None
    description: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None


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

    def first_meta(self, names: tuple[str, ...]) -> str | None:
        """The first non-empty meta content among ``names`` (in that order)."""
        for name in names:
            values = self.meta.get(name)
            if values:
                return values[0]
        return None

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


def _class_id(tag: Tag) -> str:
    classes = tag.get("class")
    text = " ".join(classes) if isinstance(classes, list) else str(classes or "")
    tag_id = tag.get("id")
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
            marks = _class_id(tag).lower()
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
    elif "tag" in rels and not _in_widget(tag):
        ctx.tag_links.append(tag)
    elif hint is not None and hint.group("tag") and _in_tag_list(tag):
        ctx.tag_links.append(tag)


def _in_widget(tag: Tag) -> bool:
    """Whether ``tag`` sits in a sidebar/footer widget (a site-wide tag cloud)."""
    for parent in tag.parents:
        if parent.name in ("body", "html", "[document]"):
            return False
        if parent.name in ("aside", "nav"):
            return True
        if _WIDGET_CLASS.search(_class_id(parent).lower()):
            return True
    return False


def _in_tag_list(tag: Tag) -> bool:
    """Whether a link to a tag page sits in the article's tag list: a container
    classed as tags, or one whose text starts "Tags:", "Filed under", "Schlagworte"."""
    for depth, parent in enumerate(tag.parents):
        if depth > 4 or parent.name in ("body", "html", "[document]"):
            return False
        marks = _class_id(parent).lower()
        if _WIDGET_CLASS.search(marks):
            return False
        if _TAG_CONTAINER.search(marks):
            return not _in_widget(parent)
        first = next(
            (
                c
                for c in parent.children
                if not isinstance(c, Tag) and c.strip() or isinstance(c, Tag)
            ),
            None,
        )
        if first is not None and _TAG_LABEL.match(
            first.get_text(" ", strip=True) if isinstance(first, Tag) else str(first)
        ):
            return not _in_widget(parent)
    return False


# ---------------------------------------------------------------- title


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _site_names(ctx: PageContext) -> list[str]:
    names = [n for n in (ctx.meta.get("og:site_name") or []) if n]
    names += ctx.meta.get("application-name") or []
    publisher = ctx.ld.first_text("publisher")
    if publisher:
        names.append(publisher)
    host = urlsplit(_page_url(ctx) or "").hostname or ""
    label = host.removeprefix("www.").split(".")[0] if host else ""
    if label:
        names.append(label)
    return [_normal(n) for n in names if _normal(n)]


def strip_site_name(title: str, site_names: list[str]) -> str:
    """Remove a leading/trailing site name segment (`` | Site``, ``Site - ``).

    A trailing segment after ``|`` is always dropped when the rest is long enough; other
    separators only when the segment matches a known site name.

    Args:
        title: A ``<title>``/``og:title`` text.
        site_names: Normalised site names (``og:site_name``, publisher, host label).

    Returns:
        The title without the site name.
    """
    title = clean_text(title)
    for _ in range(2):
        changed = False
        for sep in _TITLE_SEPARATORS:
            if sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            first, _, rest = title.partition(sep)
            if _is_site_segment(tail, site_names) and len(head) >= 10:
                title, changed = head.strip(), True
            elif _is_site_segment(first, site_names) and len(rest) >= 10:
                title, changed = rest.strip(), True
            elif sep == " | " and len(head) >= 20 and len(tail.split()) <= 5:
                title, changed = head.strip(), True
            if changed:
                break
        if not changed:
            break
    return title


def _is_site_segment(segment: str, site_names: list[str]) -> bool:
    norm = _normal(segment)
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


def extract_title(soup: BeautifulSoup, ctx: PageContext) -> str | None:
    """The headline.

    Fallback order: site ``title`` selectors; an ``<h1>`` that agrees with the
    structured/meta title (JSON-LD ``headline``, ``og:title``, ``twitter:title``,
    ``dc.title``, ``citation_title``, ``<title>``; equal, or a prefix of it); JSON-LD
    ``headline``; microdata ``headline``; the meta titles with the site name
    stripped; the only ``<h1>``; ``<title>`` with the site name stripped.

    Args:
        soup: The page (unused beyond the context; kept for a uniform signature).
        ctx: The page context.

    Returns:
        The headline, or None.
    """
    del soup
    picked = ctx.select_texts(ctx.site.title)
    if picked:
        return picked[0]
    sites = _site_names(ctx)
    references: list[str] = []
    headline = ctx.ld.first_text("headline") or ctx.ld.first_text("name")
    if headline:
        references.append(clean_text(headline))
    for prop in ctx.itemprops.get("headline", [])[:1]:
        value = itemprop_value(prop)
        if value:
            references.append(value)
    for name in META_TITLE:
        references.extend(ctx.meta.get(name, [])[:1])
    if ctx.title_tag:
        references.append(ctx.title_tag)
    h1_texts = [_h1_headline(h, sites) for h in ctx.h1s[:6]]
    h1_texts = [t for t in h1_texts if 2 <= len(t) <= 300]
    norm_refs = [_normal(strip_site_name(r, sites)) for r in references]
    for text in h1_texts:
        if _agrees(_normal(text), norm_refs):
            return text
    for ref in references:
        cleaned = strip_site_name(ref, sites)
        if cleaned:
            return cleaned
    if h1_texts:
        return h1_texts[0]
    return None


def _agrees(norm: str, refs: list[str]) -> bool:
    """Whether a normalised ``<h1>`` text agrees with one of the meta titles."""
    for ref in refs:
        if not norm or not ref:
            continue
        if ref == norm or len(norm) >= 15 and ref.startswith(norm):
            return True
        if len(norm) >= 20 and norm in ref or len(ref) >= 20 and ref in norm:
            return True
    return False


def _h1_headline(h1: Tag, sites: list[str]) -> str:
    """The headline text of an ``<h1>``: without a leading kicker element
    (``<span class=kicker>Topic</span> Headline``) or a trailing site name."""
    parts = [
        c
        for c in h1.children
        if isinstance(c, Tag) or isinstance(c, NavigableString) and c.strip()
    ]
    marked = [
        c
        for c in parts
        if isinstance(c, Tag)
        and (c.get("itemprop") == "headline" or _HEADLINE_CLASS.search(_class_id(c)))
    ]
    if len(parts) >= 2 and len(marked) == 1:
        return clean_text(marked[0].get_text(" ", strip=True))
    full = clean_text(h1.get_text(" ", strip=True))
    first = parts[0] if parts else None
    if (
        len(parts) >= 2
        and isinstance(first, Tag)
        and first.name in ("span", "div", "small", "p", "em", "strong", "i", "b")
        and (
            first.name in ("div", "small", "p")
            or first.get("class") is not None
            or isinstance(parts[1], Tag)
            and parts[1].name == "br"
        )
    ):
        kicker = clean_text(first.get_text(" ", strip=True))
        rest = full[len(kicker) :].strip() if full.startswith(kicker) else ""
        if 1 <= len(kicker.split()) <= 8 and len(rest.split()) >= 2:
            full = rest
    return strip_site_name(full, sites) if " | " in full else full


_HEADLINE_CLASS = re.compile(r"(?:^|[\s_-])(?:headline|title)(?:$|\s)", re.IGNORECASE)


# ---------------------------------------------------------------- authors


def extract_authors(soup: BeautifulSoup, ctx: PageContext) -> tuple[str, ...]:
    """Author names, cleaned, split and deduplicated.

    Fallback order: site ``authors`` selectors; JSON-LD ``author`` of the article
    node (persons; organisations only when no person exists anywhere); microdata
    ``itemprop=author``; meta tags (:data:`META_AUTHOR`); ``rel=author`` links;
    byline elements (class/id ``byline``, ``author``, ``autor``...); byline
    sentences ("By Jane Doe", "Von ...", "Par ...", "Por ..."); an author box after
    the text; then JSON-LD organisations.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The names (possibly empty).
    """
    del soup
    for raw in ctx.select_texts(ctx.site.authors):
        names = bylines.split_names(raw)
        if names:
            return names
    sites = _site_names(ctx)
    persons, orgs, typed = ctx.ld.people("author")
    fallback: tuple[str, ...] = ()
    for index, stage in enumerate(_AUTHOR_STAGES):
        names = stage(ctx, persons)
        if not names:
            continue
        kept = [
            n
            for n in names
            if n.casefold() in typed
            or not _is_site_segment(n, sites)
            and not bylines.looks_like_org(n)
        ]
        if len(kept) == len(names) or any(len(n.split()) >= 2 for n in kept):
            return _expand_first_names(tuple(kept), ctx, persons, index)
        fallback = fallback or names
    return fallback or bylines.clean_names(orgs)


def _expand_first_names(
    names: tuple[str, ...], ctx: PageContext, persons: list[str], index: int
) -> tuple[str, ...]:
    """A lone first name ("Nils") replaced by the full name a later stage finds
    ("Nils Pickert", e.g. from the author box)."""
    if len(names) != 1 or " " in names[0]:
        return names
    first = names[0].casefold()
    for stage in _AUTHOR_STAGES[index + 1 :]:
        for name in stage(ctx, persons):
            words = name.split()
            if len(words) >= 2 and words[0].casefold() == first:
                return (name,)
    return names


def _authors_jsonld(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    names = bylines.clean_names(persons)
    if not names and not ctx.ld.articles:
        names = bylines.clean_names(
            t for v in ctx.ld.any_values("author") for t in texts(ctx.ld.resolve(v))
        )
    return names


def _authors_microdata(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    return bylines.clean_names(_microdata_authors(ctx))


def _authors_meta(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    keys = list(META_AUTHOR) + [k for k in ctx.meta if _META_AUTHOR_LIKE.search(k)]
    for key in keys:
        names = bylines.clean_names(v for v in ctx.meta.get(key, []) if "://" not in v)
        if names:
            return names
    return ()


def _authors_person_items(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in ctx.person_items[:10]:
        before = tag.previous_sibling
        # only a Person introduced as the author: "Von <span itemscope ...>"
        if isinstance(before, NavigableString) and bylines.ends_with_by(before):
            name = tag.find(None, {"itemprop": "name"})
            value = itemprop_value(name) if isinstance(name, Tag) else None
            if value:
                out.append(value)
    return bylines.clean_names(out)


def _authors_links(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    return bylines.clean_names(
        clean_text(a.get_text(" ", strip=True)) for a in ctx.rel_authors
    )


def _authors_bylines(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    return bylines.from_elements(ctx.bylines)


def _authors_labels(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    for label in ctx.author_labels[:5]:
        if bylines.in_form_or_comments(label):
            continue
        names = bylines.from_pieces(_text_pieces(label, 120))
        if names:
            return names
    return ()


def _authors_text(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    headline = _headline_element(ctx)
    if headline is None:
        return ()
    own = sum(1 for _ in headline.stripped_strings)
    pieces = _text_pieces(headline, 400 + len(headline.get_text()))
    return bylines.from_pieces(pieces[own:])


def _authors_inline_labels(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    """ "Autor: Jane Doe" as a bare text node inside mixed content (last resort,
    so the extra pass over the page's strings runs only when nothing else worked)."""
    for string in ctx.soup.find_all(string=bylines.TEXT_LABEL, limit=3):
        parent = string.parent
        if parent is None or parent.name in ("script", "style", "title", "option"):
            continue
        if bylines.in_form_or_comments(parent):
            continue
        pieces = [string.strip()]
        for element in string.next_elements:
            if type(element) is NavigableString and element.strip():
                pieces.append(element.strip())
                if len(pieces) >= 4:
                    break
        names = bylines.from_pieces(pieces)
        if names:
            return names
    return ()


_AUTHOR_STAGES = (
    _authors_jsonld,
    _authors_microdata,
    _authors_meta,
    _authors_links,
    _authors_bylines,
    _authors_labels,
    _authors_person_items,
    _authors_text,
    _authors_inline_labels,
)


def _microdata_authors(ctx: PageContext) -> list[str]:
    out: list[str] = []
    for tag in ctx.itemprops.get("author", []) + ctx.itemprops.get("creator", []):
        if bylines.in_form_or_comments(tag):
            continue
        item_type = tag.get("itemtype")
        if isinstance(item_type, str) and "organization" in item_type.lower():
            continue
        value = itemprop_value(tag)
        if value and "://" not in value:
            out.append(value)
    return out


# ---------------------------------------------------------------- dates


def _first_date(values: list[str]) -> datetime | None:
    for value in values:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    return None


def extract_published(soup: BeautifulSoup, ctx: PageContext) -> datetime | None:
    """Publication time, timezone-aware (naive values taken as UTC).

    Fallback order: site ``published`` selectors; JSON-LD ``datePublished`` (article
    nodes, then page nodes, then ``dateCreated``); microdata ``datePublished``; meta
    tags (:data:`META_PUBLISHED`); ``<time>`` marked as publication (``pubdate``,
    ``itemprop``, class) then the first ``<time datetime>``; a date in the URL path;
    dates in the text of date-marked elements; JSON-LD ``dateModified`` / meta
    modification time as a last resort.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The time, or None.
    """
    del soup
    found = _first_date(ctx.select_texts(ctx.site.published))
    if found:
        return found
    found = _declared_published(ctx)
    if found:
        return _localize(found, ctx)
    month_first = _month_first(ctx)
    found = _time_elements(ctx, month_first)
    if found:
        return _localize(found, ctx)
    found = date_from_url(ctx.url) or date_from_url(_page_url(ctx))
    if found:
        return found
    found = _date_in_text(ctx, month_first)
    if found:
        return found
    for key in META_DATE_WEAK:
        found = _first_date(ctx.meta.get(key, []))
        if found:
            return _localize(found, ctx)
    return extract_updated(None, ctx)


def _declared_published(ctx: PageContext) -> datetime | None:
    """Publication time from JSON-LD, microdata and the specific meta tags."""
    for key in ("datePublished", "dateCreated"):
        found = _first_date(texts(ctx.ld.values(key, pages=True)))
        if found:
            return found
    found = _first_date(texts(ctx.ld.any_values("datePublished")))
    if found:
        return found
    for prop in ("datepublished", "datecreated"):
        values = [v for t in ctx.itemprops.get(prop, []) if (v := itemprop_value(t))]
        found = _first_date(values)
        if found:
            return found
    for key in META_PUBLISHED:
        found = _first_date(ctx.meta.get(key, []))
        if found:
            return found
    return None


def _localize(found: datetime, ctx: PageContext) -> datetime:
    """Prefer the publisher's local calendar date over a UTC rendering of the time.

    A UTC value one day off the date in the URL path gives way to the URL's date; a
    UTC value whose instant a ``<time datetime>`` with a local offset repeats gives
    way to that local value.
    """
    if found.utcoffset():
        return found
    url_date = date_from_url(ctx.url) or date_from_url(_page_url(ctx))
    if url_date is not None:
        days = (found.date() - url_date.date()).days
        # a local date west of UTC shows as the next UTC day before ~10:00, east of
        # UTC as the previous UTC day from ~14:00
        if days == 1 and found.hour < 10 or days == -1 and found.hour >= 14:
            return url_date
    for tag in ctx.times:
        value = tag.get("datetime")
        local = parse_date(value) if isinstance(value, str) else None
        if (
            local is not None
            and local.utcoffset()
            and abs((local - found).total_seconds()) <= 90
        ):
            return local
    return found


def _headline_element(ctx: PageContext) -> Tag | None:
    """The ``<h1>`` holding the headline (agreeing with the meta title if possible)."""
    refs = [_normal(r) for r in ctx.meta.get("og:title", [])[:1]]
    if ctx.title_tag:
        refs.append(_normal(ctx.title_tag))
    fallback: Tag | None = None
    for h1 in ctx.h1s[:6] or ctx.h2s:
        norm = _normal(h1.get_text(" ", strip=True))
        if len(norm) < 8:
            continue
        if any(norm in ref for ref in refs):
            return h1
        fallback = fallback or h1
    return fallback if ctx.h1s else None


def _text_after(tag: Tag, limit: int) -> str:
    """Up to about ``limit`` characters of visible text following ``tag``'s start."""
    return " ".join(_text_pieces(tag, limit))


def _text_pieces(tag: Tag, limit: int) -> list[str]:
    """Visible text nodes from ``tag``'s start on, up to about ``limit`` characters."""
    parts: list[str] = []
    size = 0
    for element in tag.next_elements:
        if type(element) is NavigableString:
            parent = element.parent
            if parent is not None and parent.name in ("script", "style", "noscript"):
                continue
            text = element.strip()
            if text:
                parts.append(text)
                size += len(text)
                if size >= limit:
                    break
    return parts


def _date_in_text(ctx: PageContext, month_first: bool) -> datetime | None:
    """A date written in the text.

    Order: date-marked elements after the headline; the text right after the
    headline; a "Date:"/"Datum:"/"Published:" label's following text; any
    date-marked element; byline elements (which often carry the date).
    """
    headline = _headline_element(ctx)
    start = ctx.positions.get(id(headline), -1) if headline is not None else -1
    later = [n for n in ctx.date_nodes if ctx.positions[id(n)] > start]
    found = _date_in_nodes(later[:12], month_first)
    if found:
        return found
    if headline is not None:
        after = _text_after(headline, 300 + len(headline.get_text()))
        found = find_date_in_text(after, month_first=month_first)
        if found:
            return found
    for label in ctx.date_labels[:5]:
        found = find_date_in_text(_text_after(label, 80), month_first=month_first)
        if found:
            return found
    return _date_in_nodes(ctx.date_nodes[:30] + ctx.bylines[:10], month_first)


def _date_in_nodes(nodes: list[Tag], month_first: bool) -> datetime | None:
    for node in nodes:
        if node.name in ("body", "html", "article", "main", "section", "input"):
            continue
        text = clean_text(node.get_text(" ", strip=True))
        if 6 <= len(text) <= 200:
            found = find_date_in_text(text, month_first=month_first)
            if found:
                return found
    return None


def _month_first(ctx: PageContext) -> bool:
    """Whether visible ``a/b/yyyy`` dates are month first (US English pages)."""
    lang = (ctx.html_lang or "").strip().lower().replace("_", "-")
    return lang in ("en", "en-us")


def _time_elements(ctx: PageContext, month_first: bool) -> datetime | None:
    """The first ``<time>`` marked as publication, else the first other ``<time>``."""
    marked: list[str] = []
    plain: list[str] = []
    for tag in ctx.times:
        value = tag.get("datetime")
        raw = value if isinstance(value, str) and value.strip() else tag.get_text(" ")
        marks = _class_id(tag).lower() + " " + " ".join(tag.attrs)
        if "pubdate" in marks or "publish" in marks or "itemprop" in marks:
            marked.append(raw)
        elif "modif" not in marks and "update" not in marks and "comment" not in marks:
            plain.append(raw)
    for raw in marked + plain[:3]:
        found = parse_date(raw, month_first=month_first)
        if found:
            return found
    return None


def extract_updated(soup: BeautifulSoup | None, ctx: PageContext) -> datetime | None:
    """Last modification time, timezone-aware.

    Fallback order: JSON-LD ``dateModified`` (article then page nodes); microdata
    ``dateModified``; meta tags (:data:`META_UPDATED`); ``<time>`` marked as an
    update (class/id ``updated``/``modified``).

    Args:
        soup: The page (unused; uniform signature).
        ctx: The page context.

    Returns:
        The time, or None.
    """
    del soup
    found = _first_date(texts(ctx.ld.values("dateModified", pages=True)))
    if found:
        return found
    found = _first_date(
        [v for t in ctx.itemprops.get("datemodified", []) if (v := itemprop_value(t))]
    )
    if found:
        return found
    for key in META_UPDATED:
        found = _first_date(ctx.meta.get(key, []))
        if found:
            return found
    for tag in ctx.times:
        marks = _class_id(tag).lower()
        value = tag.get("datetime")
        if ("modif" in marks or "update" in marks) and isinstance(value, str):
            found = parse_date(value)
            if found:
                return found
    return None


# ---------------------------------------------------------------- tags, section


def _split_keywords(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        parts = (
            value.split(";") if ";" in value and "," not in value else value.split(",")
        )
        out.extend(clean_text(p) for p in parts)
    return [p for p in out if p and len(p) <= 80]


def _dedupe(values: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return tuple(out)


def extract_tags(soup: BeautifulSoup, ctx: PageContext) -> tuple[str, ...]:
    """Tags shown on (or declared by) the page, deduplicated, in page order.

    Fallback order: site ``tags`` selectors; ``rel=tag`` links and links to tag pages
    inside a tag list (what the reader sees); JSON-LD ``keywords``; microdata
    ``keywords``; meta tags (:data:`META_TAGS`: ``article:tag``, ``parsely-tags``,
    ``news_keywords``, ``keywords``, ``dc.subject``...).

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The tags (possibly empty).
    """
    del soup
    picked = ctx.select_texts(ctx.site.tags)
    if picked:
        return _dedupe(_split_keywords(picked))
    visible = [
        clean_text(a.get_text(" ", strip=True)).lstrip("#") for a in ctx.tag_links
    ]
    visible = [v for v in visible if v and len(v) <= 60]
    if visible:
        return _dedupe(visible)
    keywords = texts(ctx.ld.values("keywords"))
    if keywords:
        return _dedupe(_split_keywords(keywords))
    micro = [v for t in ctx.itemprops.get("keywords", []) if (v := itemprop_value(t))]
    if micro:
        return _dedupe(_split_keywords(micro))
    for key in META_TAGS:
        values = ctx.meta.get(key, [])
        if values:
            return _dedupe(_split_keywords(values))
    return ()


def extract_section(soup: BeautifulSoup, ctx: PageContext) -> str | None:
    """Section or category.

    Fallback order: site ``section`` selectors; JSON-LD ``articleSection``; microdata
    ``articleSection``; meta tags (:data:`META_SECTION`).

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The section, or None.
    """
    del soup
    picked = ctx.select_texts(ctx.site.section)
    if picked:
        return picked[0]
    value = ctx.ld.first_text("articleSection")
    if value:
        return clean_text(value)
    for tag in ctx.itemprops.get("articlesection", []):
        text = itemprop_value(tag)
        if text:
            return text
    value = ctx.first_meta(META_SECTION)
    if value:
        return value
    for link in ctx.category_links:
        text = clean_text(link.get_text(" ", strip=True))
        if text and not _in_widget(link):
            return text
    return _breadcrumb_section(ctx)


def _breadcrumb_section(ctx: PageContext) -> str | None:
    """The last link of the breadcrumb trail that is neither "Home" nor the page."""
    for crumbs in ctx.breadcrumbs:
        links = [
            clean_text(a.get_text(" ", strip=True))
            for a in crumbs.find_all("a", limit=8)
        ]
        links = [t for t in links if t and len(t) <= 40 and not _HOME.match(t)]
        if links:
            return links[-1]
    return None


_HOME = re.compile(
    r"^(?:home|startseite|start|accueil|inicio|portada|home ?page|homepage|hjem|hem|"
    r"strona główna|главная|anasayfa)$",
    re.IGNORECASE,
)


def extract_description(soup: BeautifulSoup, ctx: PageContext) -> str | None:
    """The page's own summary.

    Fallback order: meta ``description``, ``og:description``, ``twitter:description``,
    Dublin Core / ``citation_abstract``; JSON-LD ``description``.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The description, or None.
    """
    del soup
    value = ctx.first_meta(META_DESCRIPTION) or ctx.ld.first_text("description")
    return clean_text(value) or None


def _norm_lang(value: str | None) -> str | None:
    if not value:
        return None
    match = _LANG.match(value.strip())
    return match.group(1).lower() if match else None


def extract_language(soup: BeautifulSoup | None, ctx: PageContext) -> str | None:
    """The page language as a lower-case ISO 639 code (``en``, ``de``...).

    Fallback order: ``<html lang>``; JSON-LD ``inLanguage``; meta
    ``content-language``, ``dc.language``, ``language``, ``og:locale``.

    Args:
        soup: The page (unused; uniform signature).
        ctx: The page context.

    Returns:
        The code, or None.
    """
    del soup
    for value in (
        ctx.html_lang,
        ctx.ld.first_text("inLanguage", pages=True),
        ctx.first_meta(META_LANGUAGE),
    ):
        lang = _norm_lang(value)
        if lang:
            return lang
    return None


def _page_url(ctx: PageContext) -> str | None:
    """The page's URL: the one given, else the declared canonical URL."""
    return ctx.url or extract_canonical_url(None, ctx)


def _canonical(ctx: PageContext) -> str | None:
    for href in ctx.links.get("canonical", []):
        if href.startswith(("http://", "https://", "/")):
            return urljoin(ctx.url, href) if ctx.url else href
    return None


def extract_canonical_url(soup: BeautifulSoup | None, ctx: PageContext) -> str | None:
    """The page's declared canonical URL.

    Fallback order: ``<link rel=canonical>`` (resolved against the page URL);
    ``og:url``; JSON-LD ``url`` / ``mainEntityOfPage`` of the article node.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        An absolute URL when resolvable, or None.
    """
    del soup
    found = _canonical(ctx)
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


def extract_site_name(soup: BeautifulSoup, ctx: PageContext) -> str | None:
    """The publication's name: ``og:site_name``, JSON-LD ``publisher``, other meta."""
    del soup
    value = ctx.meta.get("og:site_name") or []
    if value:
        return value[0]
    return ctx.ld.first_text("publisher") or ctx.first_meta(META_SITE_NAME[1:])


def extract_metadata(
    soup: BeautifulSoup, *, site: SiteConfig = EMPTY, url: str | None = None
) -> Metadata:
    """Extract every metadata field of an article page.

    Args:
        soup: The page parsed with lxml; it is not modified.
        site: The site's CSS-selector overrides.
        url: The page's URL when known.

    Returns:
        The metadata.
    """
    ctx = build_context(soup, site=site, url=url)
    return Metadata(
        title=extract_title(soup, ctx),
        authors=extract_authors(soup, ctx),
        published=extract_published(soup, ctx),
        updated=extract_updated(soup, ctx),
        tags=extract_tags(soup, ctx),
        section=extract_section(soup, ctx),
        description=extract_description(soup, ctx),
        language=extract_language(soup, ctx),
        canonical_url=extract_canonical_url(soup, ctx),
        site_name=extract_site_name(soup, ctx),
    )
