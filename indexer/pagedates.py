"""Publication and modification times of an article page, evidence in order."""

from __future__ import annotations

import re
from datetime import datetime

from bs4 import Tag

from indexer.dates import date_from_url, find_date_in_text, parse_date
from indexer.pagecontext import (
    PageContext,
    class_id,
    clean_text,
    headline_element,
    page_url,
)
from indexer.pagetext import text_after, text_before, text_pieces
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


def extract_published(ctx: PageContext) -> datetime | None:
    """Publication time, timezone-aware (naive values taken as UTC).

    Fallback order: site ``published`` selectors; JSON-LD ``datePublished`` (article
    nodes, then page nodes, then ``dateCreated``); microdata ``datePublished``; meta
    tags (:data:`META_PUBLISHED`; before microdata whose dates disagree) -- unless
    the URL holds its date, the declared time gives way to the date shown near the
    headline when that date is the declared modification date (the page presents
    its update as its date) or the next/previous local day of a UTC time;
    ``<time>`` marked as publication (``pubdate``, ``itemprop``, class) then the
    first unmarked ``<time datetime>`` (not in comments, not in the page header far
    above the headline); a date in the URL path; a date written near the headline
    (labelled "Published:", date-marked elements, the text after or right before
    the headline); generic meta dates (``date``, ``dc.date``); any date-marked or
    byline element; a publication key in an inline JSON script; the modification
    time; the first date written in the page's text as a last resort.

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The time, or None.
    """
    found = _first_date(ctx.select_texts(ctx.site.published))
    if found:
        return found
    month_first = _month_first(ctx)
    found = _declared_published(ctx)
    if found:
        return _prefer_shown(_localize(found, ctx), ctx, month_first)
    found = _time_elements(ctx, month_first)
    if found:
        return _localize(found, ctx)
    found = _url_date(ctx)
    if found:
        return found
    found = _date_near_headline(ctx, month_first)
    if found:
        return found
    for key in META_DATE_WEAK:
        found = _first_date(ctx.meta.get(key, []))
        if found:
            return _localize(found, ctx)
    found = _date_in_nodes(ctx.date_nodes[:30] + ctx.bylines[:10], month_first)
    if found:
        return found
    found = _first_date(ctx.script_dates())
    if found:
        return found
    return extract_updated(ctx) or _first_date_in_page(ctx, month_first)


def _url_date(ctx: PageContext) -> datetime | None:
    """The date in the page's URL path (the URL given, else the canonical one)."""
    return date_from_url(ctx.url) or date_from_url(page_url(ctx))


def _prefer_shown(found: datetime, ctx: PageContext, month_first: bool) -> datetime:
    """The date shown near the headline instead of the declared one (unless the URL
    holds the declared date), when it is the declared modification date or the
    adjacent local day of a UTC time."""
    url_date = _url_date(ctx)
    if url_date is not None and url_date.date() == found.date():
        return found  # the URL agrees
    updated = extract_updated(ctx)
    differs = updated is not None and updated.date() != found.date()
    if not differs and found.utcoffset():
        return found  # nothing a shown date could be checked against
    shown = _date_near_headline(ctx, month_first)
    if shown is None or shown.date() == found.date():
        return found
    if updated is not None and updated.date() == shown.date():
        return shown
    if not found.utcoffset():
        days = (shown.date() - found.date()).days
        if days == 1 and found.hour >= 14 or days == -1 and found.hour < 10:
            return shown
    return found


def _declared_published(ctx: PageContext) -> datetime | None:
    """Publication time from JSON-LD, microdata and the specific meta tags (before
    microdata when its first dates disagree)."""
    for key in ("datePublished", "dateCreated"):
        found = _first_date(texts(ctx.ld.values(key, pages=True)))
        if found:
            return found
    found = _first_date(texts(ctx.ld.any_values("datePublished")))
    if found:
        return found
    micro = [
        found
        for prop in ("datepublished", "datecreated")
        for tag in ctx.itemprops.get(prop, [])
        if (found := parse_date(itemprop_value(tag)))
    ]
    # several different microdata dates describe several items (teasers): the
    # page's own meta tags decide then
    if micro and len({d.date() for d in micro[:3]}) == 1:
        return micro[0]
    for key in META_PUBLISHED:
        found = _first_date(ctx.meta.get(key, []))
        if found:
            return found
    return micro[0] if micro else None


def _localize(found: datetime, ctx: PageContext) -> datetime:
    """Prefer the publisher's local calendar date over a UTC rendering of the time.

    A UTC value one day off the date in the URL path gives way to the URL's date; a
    UTC value whose instant a ``<time datetime>`` with a local offset repeats gives
    way to that local value.
    """
    if found.utcoffset():
        return found
    url_date = _url_date(ctx)
    if url_date is not None:
        days = (found.date() - url_date.date()).days
        # a local date west of UTC shows as the next UTC day before ~10:00, east of
        # UTC as the previous UTC day from ~14:00
        if days == 1 and found.hour < 10 or days == -1 and found.hour >= 14:
            return url_date
    values = [tag.get("datetime") for tag in ctx.times]
    values += [v for key in META_DATE_WEAK for v in ctx.meta.get(key, [])]
    for value in values:
        local = parse_date(value) if isinstance(value, str) else None
        if (
            local is not None
            and local.utcoffset()
            and abs((local - found).total_seconds()) <= 90
        ):
            return local
    return found


def _date_near_headline(ctx: PageContext, month_first: bool) -> datetime | None:
    """A date written near the headline.

    Order: a "Date:"/"Datum:"/"Published:" label's following text; date-marked
    elements from just above the headline on (not those labelled as updates); a
    short text piece (a line of its own) after the headline, then the text after
    the headline; the text right before the headline.
    """
    for label in ctx.date_labels[:5]:
        found = find_date_in_text(text_after(label, 80), month_first=month_first)
        if found:
            return found
    headline = headline_element(ctx)
    start = ctx.positions.get(id(headline), -1) if headline is not None else -1
    # date elements right above the headline count too ("17 May 2020" over the h1)
    later = [n for n in ctx.date_nodes if ctx.positions[id(n)] >= start - 3]
    later = [n for n in later[:12] if not _is_update(n) and not _in_teaser(n)]
    found = _date_in_nodes(later, month_first)
    if found or headline is None:
        return found
    pieces = text_pieces(headline, 300 + len(headline.get_text()))
    for piece in pieces[1:]:
        if len(piece) <= 60:
            found = find_date_in_text(piece, month_first=month_first)
            if found and not _UPDATED_WORDS.search(piece):
                return found
    found = find_date_in_text(" ".join(pieces), month_first=month_first)
    if found:
        return found
    return find_date_in_text(text_before(headline, 80), month_first=month_first)


def _is_update(node: Tag) -> bool:
    """Whether a date element is labelled as a modification ("Updated:", "Zuletzt
    geändert am") in its own text before any date, or by the text right before it.
    A bare "Stand:" ("as of") is the date such pages show as theirs, so it counts."""
    own = node.get_text(" ", strip=True)[:60]
    match = _UPDATED_WORDS.search(own)
    if match is not None:
        return not _YEAR.search(own[: match.start()]) and _not_stand(match)
    before = text_before(node, 40)
    match = _UPDATED_WORDS.search(before)
    return (
        match is not None
        and not _YEAR.search(before[match.end() :])
        and _not_stand(match)
    )


def _in_teaser(node: Tag) -> bool:
    """Whether a date element belongs to a teaser of another page: a list item
    that also holds a headline-sized link."""
    for depth, parent in enumerate([node, *node.parents]):
        if depth > 3 or parent.name in ("body", "article", "main"):
            return False
        if parent.name == "li":
            return any(
                len(a.get_text(strip=True)) >= 20 for a in parent.find_all("a", limit=3)
            )
    return False


def _not_stand(match: re.Match[str]) -> bool:
    return not match.group().lower().startswith("stand")


_YEAR = re.compile(r"(?:19|20)\d\d")


def _first_date_in_page(ctx: PageContext, month_first: bool) -> datetime | None:
    """A date written in the page's visible text (a page with no other evidence: a
    forum thread, a press release, a wiki page): the first one after a "Published"
    or "Updated" word, else the first one."""
    body = ctx.soup.body
    if body is None:
        return None
    text = clean_text(body.get_text(" "))[:20000]
    for match in _DATE_WORDS.finditer(text):
        found = find_date_in_text(
            text[match.end() : match.end() + 40], month_first=month_first
        )
        if found:
            return found
    return find_date_in_text(text, month_first=month_first)


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
    """The first ``<time>`` marked as publication, else the first other ``<time>``.

    Times inside comments, and unmarked times far above the headline (the page
    header's "today"), are skipped.
    """
    marked: list[str] = []
    plain: list[str] = []
    headline = headline_element(ctx)
    top = ctx.positions.get(id(headline), -1) - _HEADER_GAP if headline else -1
    for tag in ctx.times:
        value = tag.get("datetime")
        raw = value if isinstance(value, str) and value.strip() else tag.get_text(" ")
        marks = class_id(tag).lower() + " " + " ".join(tag.attrs)
        if "comment" in marks or _in_comments(tag):
            continue
        if "pubdate" in marks or "publish" in marks or "itemprop" in marks:
            marked.append(raw)
        elif "modif" not in marks and "update" not in marks:
            if ctx.positions.get(id(tag), top) >= top:
                plain.append(raw)
    for raw in marked + plain[:3]:
        found = parse_date(raw, month_first=month_first)
        if found:
            return found
    return None


#: Elements between a page-header ``<time>`` and the headline beyond which the time
#: is taken for the site's "today" rather than the article's date.
_HEADER_GAP = 40


def _in_comments(tag: Tag) -> bool:
    """Whether ``tag`` sits in a comment thread (class/id ``comment``)."""
    for depth, parent in enumerate(tag.parents):
        if depth > 10 or parent.name in ("body", "html", "main"):
            return False
        if "comment" in class_id(parent).lower():
            return True
    return False


def extract_updated(ctx: PageContext) -> datetime | None:
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


#: Words announcing a publication or modification date in running text.
_DATE_WORDS = re.compile(
    rf"\b(?:published|posted|veröffentlicht|erschienen|publié|publicado|pubblicato|"
    rf"gepubliceerd)\b\W{{0,3}}(?:on|am|le|el|il|op|em)?|{_UPDATED_WORDS.pattern}",
    re.IGNORECASE,
)
