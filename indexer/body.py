"""The article's main text from a parsed page: container choice, pruning, paragraphs.

``extract_body`` finds the article text in this order (the first that applies wins):

1. Elements matching the site config's ``ignore`` selectors are removed from the soup.
2. The site config's ``body`` selectors: the text of every matching element.
3. ``itemprop="articleBody"``: every such element, when they hold at least half the
   prose of the best-scored block (step 6).
4. ``<article>``: the one holding most prose, when it holds half the prose of the
   best-scored block or ``MIN_SEMANTIC_PROSE`` characters (teaser cards in "related"
   lists are ``<article>`` elements too).
5. ``<main>`` (or ``role="main"``), on the same condition.
6. Scoring: the element maximising ``good - JUNK_WEIGHT * junk``, where ``good`` is the
   text of its prose blocks (``MIN_PARAGRAPH_CHARS`` or more of non-link text, not in
   a boilerplate box) and ``junk`` the rest of its text (links, snippets, boxes).
7. When the container holds less than ``LENIENT_BELOW`` characters of prose, the page
   is measured again ignoring boxes and hidden elements (broken markup can nest the
   article inside an unclosed menu or sidebar); a block with ``LENIENT_GAIN`` times
   more prose found that way wins.

Lead paragraphs just before the container (an intro in a header block) are added
(``_with_lead``). Inside the container these are left out: scripts, styles, forms,
iframes, navigation, asides, footers, image captions and alt text, hidden elements;
boilerplate boxes, recognised by class/id/role words in several naming styles (share
bars, "related posts", newsletter/subscribe/donate boxes, comments, cookie banners,
author bios, ads, widgets holding little prose); link lists; small ``<article>``
teaser cards; everything after a subheading such as "Related stories" or
"Kommentare"; and short blocks that are a boilerplate label ("Share", "Lesen Sie
auch", "Publicité"), a call to action ("Subscribe to our newsletter"), a dateline or
an ``A | B | C`` menu line. Headings, list items, blockquotes and table cells each
become their own paragraph; paragraphs are separated by a blank line.

Everything is computed with one bottom-up pass over the page (text, link and prose
lengths of every element) and one pass over the container to write the text.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from indexer.bodytext import (
    INLINE_TAGS,
    ElementStats,
    render,
)
from indexer.boilerplate import (
    BOILERPLATE_ROLES,
    BOX,
    NOT_BOX,
    WEAK_BOX,
    names_kind,
)
from indexer.siteconfig import EMPTY, SiteConfig

#: Elements whose content is never article text.
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed",
        "svg", "math", "canvas", "video", "audio", "source", "track", "map",
        "button", "select", "option", "textarea", "input", "head", "title",
        "meta", "link", "nav", "aside", "figcaption", "dialog", "menu", "footer",
    }
)  # fmt: skip
#: Elements that never hold readable text (skipped even when looking leniently).
_NON_TEXT_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
     "math", "canvas", "video", "audio", "head", "title", "meta", "link", "select",
     "option", "textarea", "input"}
)  # fmt: skip
#: Form elements: boxes unless they hold the prose (ASP.NET pages are one form).
_FORM_TAGS = frozenset({"form", "fieldset"})
#: Elements that may wrap the whole page: never dropped for their class names.
WRAPPER_TAGS = frozenset({"html", "body", "main", "article", "blockquote"})
#: A block needs at least this many characters of non-link text to count as prose.
MIN_PARAGRAPH_CHARS = 40
#: Weight of non-prose text against prose when scoring a candidate container.
JUNK_WEIGHT = 0.4
#: A semantic container (``<article>``, ``<main>``) must hold this share of the best
#: scored container's prose to be trusted.
MIN_SEMANTIC_SHARE = 0.5
#: ... or at least this many characters of prose (pages listing several articles).
MIN_SEMANTIC_PROSE = 1500
#: When the container found holds less prose than this, the page is looked at again
#: ignoring boxes and hidden elements; a block with ``LENIENT_GAIN`` times more prose
#: found that way is taken instead.
LENIENT_BELOW = 1500
LENIENT_GAIN = 2.0
#: Lead paragraphs before the container: up to this many levels up, with at least
#: this much prose, which must be this share of their text.
LEAD_LEVELS = 2
MIN_LEAD_PROSE = 80
LEAD_PROSE_SHARE = 0.6

#: A box named with both boilerplate and content words holding this much prose is
#: the article's wrapper, not a box.
MIN_WEAK_BOX_PROSE = 500
#: A box holding a headline and this much prose is the article, nested in a box by
#: broken markup (an unclosed menu or sidebar element).
MIN_NESTED_ARTICLE_PROSE = 1000
#: Deeper elements are ignored (pathological nesting).
MAX_DEPTH = 400
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _is_hidden(tag: Tag) -> bool:
    attrs = tag.attrs
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return isinstance(style, str) and _HIDDEN_STYLE.search(style) is not None


def _box_kind(tag: Tag) -> int:
    """Whether an element is a boilerplate box by its class, id or role.

    Returns:
        ``NOT_BOX``; ``WEAK_BOX`` when its names also have a content word (such as
        ``widget-post-content``: a box only when it holds little prose); ``BOX``.
    """
    name = tag.name
    if name in WRAPPER_TAGS:
        return NOT_BOX
    if name in _FORM_TAGS:
        return WEAK_BOX  # a search or sign-up form; some sites wrap the whole page
    attrs = tag.attrs
    if not attrs:
        return NOT_BOX
    role = attrs.get("role")
    if isinstance(role, str) and role.lower() in BOILERPLATE_ROLES:
        return BOX
    if attrs.get("itemprop") == "articleBody":
        return NOT_BOX
    classes = attrs.get("class")
    ident = attrs.get("id")
    if not classes and not ident:
        return NOT_BOX
    if isinstance(classes, list):
        names = tuple(classes)
    else:
        names = (classes,) if isinstance(classes, str) else ()
    return names_kind(names, ident if isinstance(ident, str) else "")


class _Analysis:
    """One bottom-up pass over the page: text and link lengths of every element."""

    def __init__(self, lenient: bool = False) -> None:
        #: Lenient: no boxes, hidden elements measured, only non-text tags skipped.
        self.lenient = lenient
        self.skip_tags = _NON_TEXT_TAGS if lenient else SKIP_TAGS
        self.stats: dict[int, ElementStats] = {}
        #: Every measured element with its stats, in document order.
        self.candidates: list[tuple[Tag, ElementStats]] = []
        #: Measured ``itemprop=articleBody``, ``<article>`` and ``<main>`` elements.
        self.bodies: list[Tag] = []
        self.articles: list[Tag] = []
        self.mains: list[Tag] = []

    def measure(
        self,
        tag: Tag,
        in_link: bool = False,
        owner: ElementStats | None = None,
        depth: int = 0,
    ) -> ElementStats:
        """Measure ``tag`` and its subtree; ``owner`` is the nearest enclosing box."""
        st = ElementStats(owner=owner)
        self.stats[id(tag)] = st
        name = tag.name
        in_link = in_link or name == "a"
        if self.lenient or (not tag.attrs and name not in _FORM_TAGS):
            kind = NOT_BOX
        else:
            kind = _box_kind(tag)
        self.candidates.append((tag, st))
        inner = st if kind == BOX else owner
        skip_tags = self.skip_tags
        check_hidden = not self.lenient
        for child in tag.contents:
            if type(child) is NavigableString:
                n = len(child.strip())
                if n:
                    st.text += n + 1
                    st.own += n + 1
                    if in_link:
                        st.link += n + 1
                        st.own_link += n + 1
                continue
            if not isinstance(child, Tag):
                continue
            cname = child.name
            if (
                cname in skip_tags
                or depth > MAX_DEPTH
                or (check_hidden and child.attrs and _is_hidden(child))
            ):
                continue
            cs = self.measure(child, in_link, inner, depth + 1)
            st.text += cs.text
            st.link += cs.link
            st.boxed += cs.text if cs.boiler else cs.boxed
            st.headline = st.headline or cs.headline
            st.quote = st.quote or cs.quote
            if cname in INLINE_TAGS:
                st.own += cs.own
                st.own_link += cs.own_link
                st.good += cs.good - cs.own_good
            else:
                st.good += cs.good
        prose = st.own - st.own_link
        if prose >= MIN_PARAGRAPH_CHARS and st.own_link * 2 < st.own:
            st.good += prose
            st.own_good = prose
        self._classify(tag, st, kind)
        return st

    def _classify(self, tag: Tag, st: ElementStats, kind: int) -> None:
        """Note semantic containers and decide whether a named box is boilerplate."""
        name = tag.name
        attrs = tag.attrs
        if attrs.get("itemprop") == "articleBody":
            st.headline = True
            self.bodies.append(tag)
        if name == "article":
            self.articles.append(tag)
        elif name == "main" or attrs.get("role") == "main":
            st.headline = True
            self.mains.append(tag)
        elif name == "h1":
            st.headline = True
        elif name == "blockquote":
            st.quote = True
        if kind == BOX:
            # Broken markup can nest the whole article inside a menu or sidebar.
            st.boiler = not (st.headline and st.good >= MIN_NESTED_ARTICLE_PROSE)
        elif kind == WEAK_BOX:
            st.boiler = st.good < MIN_WEAK_BOX_PROSE
        if st.boiler:
            st.good = 0

    def in_box(self, st: ElementStats) -> bool:
        """Whether an element lies inside a boilerplate box."""
        owner = st.owner
        while owner is not None:
            if owner.boiler:
                return True
            owner = owner.owner
        return False


def _score(st: ElementStats) -> float:
    return st.good - JUNK_WEIGHT * (st.text - st.good)


def _best_scored(analysis: _Analysis, root: Tag) -> Tag:
    best, best_score = root, float("-inf")
    for tag, st in analysis.candidates:
        if not st.good or st.boiler or analysis.in_box(st):
            continue
        s = _score(st)
        if s > best_score:
            best, best_score = tag, s
    return best


def _pick_semantic(
    candidates: list[Tag], analysis: _Analysis, reference: int
) -> Tag | None:
    best: Tag | None = None
    best_good = 0
    for tag in candidates:
        st = analysis.stats.get(id(tag))
        if st is not None and st.good > best_good:
            best, best_good = tag, st.good
    if best is not None and best_good >= min(
        MIN_SEMANTIC_SHARE * reference, MIN_SEMANTIC_PROSE
    ):
        return best
    return None


def _outermost(tags: list[Tag]) -> list[Tag]:
    """Drop the elements nested inside another element of the list."""
    ids = {id(t) for t in tags}
    out = []
    for tag in tags:
        if not any(id(parent) in ids for parent in tag.parents):
            out.append(tag)
    return out


def extract_body(soup: BeautifulSoup, *, site: SiteConfig = EMPTY) -> str:
    """The article's main text, paragraphs separated by a blank line.

    The container is found in the order of the module docstring: site ``ignore``
    selectors removed, site ``body`` selectors, ``itemprop=articleBody``, the best
    ``<article>``, ``<main>``, then text/link-density scoring. The soup may be
    modified (elements of ``site.ignore`` are removed).

    Args:
        soup: The parsed page.
        site: Per-site selector overrides.

    Returns:
        The text ("" when the page has none).
    """
    for selector in site.ignore:
        for tag in soup.select(selector):
            tag.decompose()
    root = _find_body(soup)
    if site.body:
        chosen = _outermost([t for sel in site.body for t in soup.select(sel)])
        if chosen:
            text = _render_fresh(chosen)
            if text:
                return text

    analysis = _Analysis()
    analysis.measure(root)
    chosen = _choose_container(root, analysis)
    good = sum(analysis.stats[id(t)].good for t in chosen)
    if good < LENIENT_BELOW:
        # Broken markup may have nested the article inside a menu, a sidebar or a
        # hidden element: look again without boxes and take a clearly better block.
        lenient = _Analysis(lenient=True)
        lenient.measure(root)
        alt = _best_scored(lenient, root)
        if lenient.stats[id(alt)].good >= LENIENT_GAIN * max(good, 1):
            return _render_fresh([alt])
    return render(_with_lead(chosen, analysis, root), analysis.stats)


def _with_lead(chosen: list[Tag], analysis: _Analysis, root: Tag) -> list[Tag]:
    """The container(s), preceded by the lead paragraphs that sit just before them.

    Many templates put the lead (intro, standfirst-like first paragraph) in a header
    block before the text container. Walking up at most ``LEAD_LEVELS`` levels from
    the first container, preceding siblings are taken while they are mostly prose
    (boxes inside them aside); the first sibling with text that is not stops the walk.
    """
    stats = analysis.stats
    leads: list[Tag] = []
    node = chosen[0]
    for _ in range(LEAD_LEVELS):
        sibling = node.previous_sibling
        while sibling is not None:
            if isinstance(sibling, Tag):
                st = stats.get(id(sibling))
                if st is not None and st.text:
                    if (
                        st.boiler
                        or analysis.in_box(st)
                        or st.good < MIN_LEAD_PROSE
                        or st.good < LEAD_PROSE_SHARE * (st.text - st.boxed)
                    ):
                        return [*leads, *chosen]
                    leads.insert(0, sibling)
            sibling = sibling.previous_sibling
        parent = node.parent
        if parent is None or parent is root:
            break
        node = parent
    return [*leads, *chosen]


def _find_body(soup: BeautifulSoup) -> Tag:
    """The ``<body>`` (a child of ``<html>`` as lxml builds it), else the soup."""
    for top in soup.contents:
        if isinstance(top, Tag) and top.name == "html":
            for child in top.contents:
                if isinstance(child, Tag) and child.name == "body":
                    return child
    body = soup.find("body")
    return body if isinstance(body, Tag) else soup


def _render_fresh(tags: list[Tag]) -> str:
    """Render elements measured on their own (whatever their ancestors are)."""
    analysis = _Analysis()
    for tag in tags:
        analysis.measure(tag)
    return render(tags, analysis.stats)


def _choose_container(root: Tag, analysis: _Analysis) -> list[Tag]:
    """The article container(s), in the order of the module docstring."""
    best = _best_scored(analysis, root)
    reference = analysis.stats[id(best)].good

    bodies = _outermost(analysis.bodies)
    if bodies:
        good = sum(analysis.stats[id(t)].good for t in bodies)
        if good and good >= MIN_SEMANTIC_SHARE * reference:
            return bodies

    article = _pick_semantic(analysis.articles, analysis, reference)
    if article is not None:
        return [article]
    main = _pick_semantic(analysis.mains, analysis, reference)
    if main is not None:
        return [main]
    return [best]
