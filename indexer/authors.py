"""Authors of an article page: evidence stages in order, names cleaned by bylines."""

from __future__ import annotations

import re

from bs4 import Tag
from bs4.element import NavigableString

from indexer import bylines
from indexer.pagecontext import (
    PageContext,
    clean_text,
    headline_element,
    is_site_segment,
    site_names,
)
from indexer.pagetext import text_before, text_pieces
from indexer.structured import itemprop_value, texts

META_AUTHOR = tuple(
    "author article:author og:article:author dc.creator dcterms.creator "
    "citation_author parsely-author sailthru.author byl dc.creator.name "
    "article:author_name book:author cxenseparse:author creator".split()
)


_META_AUTHOR_LIKE = re.compile(r"[:._]author(?:_?name)?$|^author_?name$")


def extract_authors(ctx: PageContext) -> tuple[str, ...]:
    """Author names, cleaned, split and deduplicated.

    Fallback order: site ``authors`` selectors; JSON-LD ``author`` of the article
    node (persons; organisations only when no person exists anywhere); microdata
    ``itemprop=author``; meta tags (:data:`META_AUTHOR`); ``rel=author`` links;
    byline elements (class/id ``byline``, ``author``, ``autor``...); byline
    sentences ("By Jane Doe", "Von ...", "Par ...", "Por ..."); an author box after
    the text (or a dateline right above the headline: "04.02.2022 | Jane Doe");
    then JSON-LD organisations; then a JSON-LD author that is only initials
    ("mh"). A JSON-LD person gives way to another person on whom at least two later
    kinds of evidence agree (:func:`_outvoted`).

    Args:
        soup: The page.
        ctx: The page context.

    Returns:
        The names (possibly empty).
    """
    for raw in ctx.select_texts(ctx.site.authors):
        names = bylines.split_names(raw)
        if names:
            return names
    sites = site_names(ctx)
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
            or not is_site_segment(n, sites)
            and not bylines.looks_like_org(n)
        ]
        if len(kept) == len(names) or any(len(n.split()) >= 2 for n in kept):
            chosen = _expand_first_names(tuple(kept), ctx, persons, index)
            if index == 0:  # JSON-LD, often a plugin's default, meets the page
                return _outvoted(chosen, ctx, persons, index, sites)
            return chosen
        fallback = fallback or names
    # last, an editor's initials as the declared author ("mh"): too short for a
    # name found in text, but deliberate in structured data
    initials = tuple(p.strip() for p in persons if _INITIALS.match(p.strip()))
    return fallback or bylines.clean_names(orgs) or initials[:1]


def _outvoted(
    chosen: tuple[str, ...],
    ctx: PageContext,
    persons: list[str],
    index: int,
    sites: list[str],
) -> tuple[str, ...]:
    """The names of a later stage instead of the JSON-LD ``chosen`` when at least
    two later kinds of evidence (microdata, meta, author links, byline elements,
    the text under the headline) agree on a person that none of ``chosen``
    matches, and more of them than agree with ``chosen``."""
    votes: dict[str, int] = {}
    where: dict[str, tuple[str, ...]] = {}
    for stage in _AUTHOR_STAGES[index + 1 : -1]:
        names = tuple(
            n
            for n in stage(ctx, persons)
            if not is_site_segment(n, sites) and not bylines.looks_like_org(n)
        )
        for key in {n.casefold() for n in names}:
            votes[key] = votes.get(key, 0) + 1
            where.setdefault(key, names)
    mine = {n.casefold() for n in chosen}
    support = 1 + max(
        (v for k, v in votes.items() if any(_same_person(k, m) for m in mine)),
        default=0,
    )
    best = max(votes, key=lambda k: votes[k], default=None)
    if best is None or votes[best] < 2 or votes[best] <= support:
        return chosen
    if any(_same_person(best, m) for m in mine):
        return chosen
    return where[best]


def _same_person(a: str, b: str) -> bool:
    """Whether two case-folded names may name one person ("nils" / "nils pickert")."""
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


def _expand_first_names(
    names: tuple[str, ...], ctx: PageContext, persons: list[str], index: int
) -> tuple[str, ...]:
    """A lone first name ("Nils") replaced by the full name a later stage finds
    ("Nils Pickert", e.g. from the author box)."""
    if len(names) != 1 or " " in names[0]:
        return names
    first = names[0].casefold()
    for stage in _AUTHOR_STAGES[index + 1 : -1]:  # not the whole-page label scan
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


_INITIALS = re.compile(r"^[^\W\d_]{2,3}$")


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
        names = bylines.from_pieces(text_pieces(label, 120))
        if names:
            return names
    return ()


def _authors_text(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    headline = headline_element(ctx)
    if headline is None:
        return ()
    own = sum(1 for _ in headline.stripped_strings)
    pieces = text_pieces(headline, 400 + len(headline.get_text()))
    names = bylines.from_pieces(pieces[own:])
    if names:
        return names
    # a dateline right above the headline: "04.02.2022 | 13:10 | Jane Doe"
    before = text_before(headline, 120)
    if bylines.DIGITS.search(before):
        return bylines.from_pieces([before[-100:]])
    return ()


def _authors_inline_labels(ctx: PageContext, persons: list[str]) -> tuple[str, ...]:
    """ "Autor: Jane Doe" as a bare text node inside mixed content (last resort,
    so the extra pass over the page's strings runs only when nothing else worked)."""
    found = 0
    for string in ctx.soup.descendants:
        if type(string) is not NavigableString or not bylines.TEXT_LABEL.match(string):
            continue
        found += 1
        if found > 3:
            break
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
