"""Publication and modification times of an article page, evidence in order."""

from __future__ import annotations

import re
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from indexer.dates import date_from_url, find_date_in_text, parse_date
from indexer.pagecontext import (
    PageContext,
    class_id,
    clean_text,
    headline_element,
    page_url,
    text_after,
)
from indexer.structured import itemprop_value, texts

META_PUBLISHED = tuple(
    "article:published_time og:article:published_time article:published "
    "datepublished dc.date.issued dcterms.issued dc.date.created dcterms.created "
    "citation_publication_date citation_date citation_online_date "
    "parsely-pub-date sailthru.date publish-date publish_date published_time "
    "pubdate publication_date article.published og:published_time "
    "cxenseparse:recs:publishtime article_date_original originalpublicationdate "
    "release_date date_published".split()
)


#: Generic date meta names: often the CMS record's date, so weaker than a <time>.
META_DATE_WEAK = ("date", "dc.date", "dcterms.date", "displaydate", "created")


META_UPDATED = tuple(
    "article:modified_time og:updated_time article:modified datemodified "
    "dc.date.modified dcterms.modified last-modified lastmod "
    "og:article:modified_time article.updated modified".split()
)


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
    found = date_from_url(ctx.url) or date_from_url(page_url(ctx))
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
    url_date = date_from_url(ctx.url) or date_from_url(page_url(ctx))
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


def _date_in_text(ctx: PageContext, month_first: bool) -> datetime | None:
    """A date written in the text.

    Order: date-marked elements after the headline; the text right after the
    headline; a "Date:"/"Datum:"/"Published:" label's following text; any
    date-marked element; byline elements (which often carry the date).
    """
    headline = headline_element(ctx)
    start = ctx.positions.get(id(headline), -1) if headline is not None else -1
    # date elements right above the headline count too ("17 May 2020" over the h1)
    later = [n for n in ctx.date_nodes if ctx.positions[id(n)] >= start - 3]
    found = _date_in_nodes(later[:12], month_first)
    if found:
        return found
    if headline is not None:
        after = text_after(headline, 300 + len(headline.get_text()))
        found = find_date_in_text(after, month_first=month_first)
        if found:
            return found
    for label in ctx.date_labels[:5]:
        found = find_date_in_text(text_after(label, 80), month_first=month_first)
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
        marks = class_id(tag).lower() + " " + " ".join(tag.attrs)
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
        marks = class_id(tag).lower()
        value = tag.get("datetime")
        if ("modif" in marks or "update" in marks) and isinstance(value, str):
            found = parse_date(value)
            if found:
                return found
    return _updated_in_text(ctx)


#: Words announcing a modification date in visible text, in several languages.
_UPDATED_WORDS = re.compile(
    r"\b(?:updated|last updated|last modified|modified|aktualisiert|zuletzt "
    r"(?:aktualisiert|geändert)|geändert|stand|mis à jour|mise à jour|actualizado|"
    r"actualización|aggiornato|bijgewerkt|atualizado|uppdaterad|opdateret|"
    r"oppdatert)\b\W{0,3}(?:on|am|le|el|il|op|em|den)?",
    re.IGNORECASE,
)


def _updated_in_text(ctx: PageContext) -> datetime | None:
    """A date written after "Updated"/"Aktualisiert"/"Mis à jour" near the headline
    or in a date element."""
    month_first = _month_first(ctx)
    texts_near: list[str] = []
    headline = headline_element(ctx)
    if headline is not None:
        texts_near.append(text_after(headline, 300 + len(headline.get_text())))
    texts_near.extend(
        clean_text(node.get_text(" ", strip=True)) for node in ctx.date_nodes[:12]
    )
    for text in texts_near:
        match = _UPDATED_WORDS.search(text)
        if match is not None:
            found = find_date_in_text(
                text[match.end() : match.end() + 60], month_first=month_first
            )
            if found:
                return found
    return None
