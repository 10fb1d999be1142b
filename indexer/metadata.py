"""Article metadata from a parsed page: one pure function per field, evidence in order.

Every ``extract_*`` function reads a :class:`PageContext` built once per page by
:func:`build_context` (meta tags, JSON-LD, microdata and the few elements the
extractors look at are collected in one pass over the tree) and never mutates
the soup. Each function's docstring gives its fallback order; the general order is
site selectors, structured data, meta tags, page conventions, text heuristics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from indexer.authors import extract_authors
from indexer.pagecontext import (
    PageContext,
    build_context,
    canonical_url,
    class_id,
    clean_text,
    in_widget,
    is_site_segment,
    normal_text,
    site_names,
)
from indexer.pagedates import extract_published, extract_updated
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.structured import itemprop_value, texts

__all__ = [
    "Metadata",
    "PageContext",
    "build_context",
    "extract_authors",
    "extract_canonical_url",
    "extract_description",
    "extract_language",
    "extract_metadata",
    "extract_published",
    "extract_section",
    "extract_site_name",
    "extract_tags",
    "extract_title",
    "extract_updated",
    "strip_site_name",
]

#: Meta names (lower-case ``name``/``property``) per field, best first.
META_TITLE = tuple(
    "og:title twitter:title dc.title dcterms.title citation_title parsely-title "
    "sailthru.title title headline".split()
)


META_TAGS = tuple(
    "article:tag og:article:tag parsely-tags sailthru.tags book:tag news_keywords "
    "keywords dc.subject dcterms.subject citation_keywords".split()
)


META_SECTION = tuple(
    "article:section og:article:section parsely-section section article.section "
    "cxenseparse:pageclass category dc.type".split()
)


META_DESCRIPTION = tuple(
    "description og:description twitter:description dc.description "
    "dcterms.abstract citation_abstract".split()
)


META_SITE_NAME = tuple(
    "og:site_name application-name publisher dc.publisher citation_journal_title "
    "twitter:site".split()
)


META_LANGUAGE = tuple(
    "content-language dc.language language og:locale citation_language".split()
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


# ---------------------------------------------------------------- title


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
            if is_site_segment(tail, site_names) and len(head) >= 10:
                title, changed = head.strip(), True
            elif is_site_segment(first, site_names) and len(rest) >= 10:
                title, changed = rest.strip(), True
            elif sep == " | " and len(head) >= 20 and len(tail.split()) <= 5:
                title, changed = head.strip(), True
            if changed:
                break
        if not changed:
            break
    return title


def extract_title(ctx: PageContext) -> str | None:
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
    picked = ctx.select_texts(ctx.site.title)
    if picked:
        return picked[0]
    sites = site_names(ctx)
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
    cleaned = [strip_site_name(r, sites) for r in references]
    norm_refs = [normal_text(c) for c in cleaned]
    for text in h1_texts:
        if _agrees(normal_text(text), norm_refs):
            return text
    for ref in cleaned:
        if ref:
            return ref
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
        and (c.get("itemprop") == "headline" or _HEADLINE_CLASS.search(class_id(c)))
    ]
    if len(parts) >= 2 and len(marked) == 1:
        return clean_text(marked[0].get_text(" ", strip=True))
    full = clean_text(h1.get_text(" ", strip=True))
    for hidden in h1.find_all(class_=_HIDDEN_CLASS, limit=3):
        # "<span class=visually-hidden>Headline:</span> The headline"
        label = clean_text(hidden.get_text(" ", strip=True))
        if label and full.startswith(label):
            full = full[len(label) :].strip()
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
            full = rest.lstrip(":|-–—/ ")
    return strip_site_name(full, sites) if " | " in full else full


_HIDDEN_CLASS = re.compile(r"visually-?hidden|sr-only|screen-reader|a11y|hidden-text")
_HEADLINE_CLASS = re.compile(r"(?:^|[\s_-])(?:headline|title)(?:$|\s)", re.IGNORECASE)


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


def extract_tags(ctx: PageContext) -> tuple[str, ...]:
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


def extract_section(ctx: PageContext) -> str | None:
    """Section or category.

    Fallback order: site ``section`` selectors; JSON-LD ``articleSection``; microdata
    ``articleSection``; meta tags (:data:`META_SECTION`).

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The section, or None.
    """
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
        if text and not in_widget(link):
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


def extract_description(ctx: PageContext) -> str | None:
    """The page's own summary.

    Fallback order: meta ``description``, ``og:description``, ``twitter:description``,
    Dublin Core / ``citation_abstract``; JSON-LD ``description``.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The description, or None.
    """
    value = ctx.first_meta(META_DESCRIPTION) or ctx.ld.first_text("description")
    return clean_text(value) or None


def _norm_lang(value: str | None) -> str | None:
    if not value:
        return None
    match = _LANG.match(value.strip())
    return match.group(1).lower() if match else None


def extract_language(ctx: PageContext) -> str | None:
    """The page language as a lower-case ISO 639 code (``en``, ``de``...).

    Fallback order: ``<html lang>``; JSON-LD ``inLanguage``; meta
    ``content-language``, ``dc.language``, ``language``, ``og:locale``.

    Args:
        soup: The page (unused; uniform signature).
        ctx: The page context.

    Returns:
        The code, or None.
    """
    for value in (
        ctx.html_lang,
        ctx.ld.first_text("inLanguage", pages=True),
        ctx.first_meta(META_LANGUAGE),
    ):
        lang = _norm_lang(value)
        if lang:
            return lang
    return None


def extract_canonical_url(ctx: PageContext) -> str | None:
    """The page's declared canonical URL.

    Fallback order: ``<link rel=canonical>`` (resolved against the page URL);
    ``og:url``; JSON-LD ``url`` / ``mainEntityOfPage`` of the article node.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        An absolute URL when resolvable, or None.
    """
    return canonical_url(ctx)


def extract_site_name(ctx: PageContext) -> str | None:
    """The publication's name: ``og:site_name``, JSON-LD ``publisher``, other meta."""
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
        title=extract_title(ctx),
        authors=extract_authors(ctx),
        published=extract_published(ctx),
        updated=extract_updated(ctx),
        tags=extract_tags(ctx),
        section=extract_section(ctx),
        description=extract_description(ctx),
        language=extract_language(ctx) or site.language or None,
        canonical_url=extract_canonical_url(ctx),
        site_name=extract_site_name(ctx),
    )
