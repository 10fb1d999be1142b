"""Writing the article text of chosen elements: paragraphs, boilerplate left out.

``indexer.body`` measures every element of a page once (``ElementStats``) and
chooses the article container; ``render`` then walks the container and writes its
text, one paragraph per block, skipping what the measures mark as boilerplate, link
lists and teaser cards, and stopping at a subheading that opens the page's tail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4.element import NavigableString, Tag

from indexer.boilerplate import ends_article, is_boilerplate_line

#: Inline elements: their text belongs to the enclosing block.
INLINE_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data",
        "del", "dfn", "em", "font", "i", "img", "ins", "kbd", "label", "mark", "q",
        "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
        "tt", "u", "var", "wbr", "nobr", "ruby", "rt", "rp",
    }
)  # fmt: skip
#: An ``<article>`` inside the container holding less than this share of its prose,
#: and less than ``MAX_TEASER_PROSE`` characters, is a teaser card (longer ones are
#: the posts of a forum thread or the sections of a long page).
NESTED_ARTICLE_SHARE = 0.25
MAX_TEASER_PROSE = 300
#: Blocks whose link text exceeds this share of their text are link lists.
MAX_LINK_DENSITY = 0.5
_WS = re.compile(r"\s+")
#: Subheadings that may open the page's tail ("Related stories").
_SUBHEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BLOCK_BREAK_TAGS = frozenset(
    {"br", "hr", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th"}
)


@dataclass(slots=True)
class ElementStats:
    """Text measures of one element (characters, whitespace runs counted once)."""

    text: int = 0  # all text below the element
    link: int = 0  # text inside <a> below the element
    own: int = 0  # text of the element's own inline content (its "paragraph")
    own_link: int = 0
    good: int = 0  # prose text below the element (see the module docstring)
    own_good: int = 0  # the part of ``good`` that is the element's own paragraph
    boiler: bool = False
    headline: bool = False  # holds an <h1>, <main> or itemprop=articleBody
    quote: bool = False  # is or holds a <blockquote> (quoted posts are link-dense)
    boxed: int = 0  # text inside boilerplate boxes below the element
    owner: ElementStats | None = None  # the nearest enclosing boilerplate-named box


class BodyWriter:
    """Serialises a container's text as paragraphs, leaving boilerplate out."""

    def __init__(self, stats: dict[int, ElementStats], container_good: int) -> None:
        self.stats = stats
        self.container_good = container_good
        self.paragraphs: list[str] = []
        self.parts: list[str] = []

    def flush(self) -> None:
        if not self.parts:
            return
        text = _WS.sub(" ", "".join(self.parts)).strip()
        self.parts = []
        if not text:
            return
        if is_boilerplate_line(text):
            return
        self.paragraphs.append(text)

    def skip(self, tag: Tag) -> bool:
        st = self.stats.get(id(tag))
        if st is None:  # a skipped or hidden element
            return True
        if not st.text:
            return True
        if st.boiler:
            return True
        name = tag.name
        if name == "h1":  # the headline: the title field, not the body
            return True
        if name == "article" and st.good < min(
            NESTED_ARTICLE_SHARE * self.container_good, MAX_TEASER_PROSE
        ):
            return True  # a teaser card inside the container
        return (
            name not in INLINE_TAGS
            and not st.quote
            and st.link > MAX_LINK_DENSITY * st.text
            and st.text < 1000
        )

    def write(self, tag: Tag) -> None:
        for child in tag.contents:
            if type(child) is NavigableString:
                self.parts.append(child)
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in INLINE_TAGS:
                st = self.stats.get(id(child))
                if st is not None and not st.boiler:
                    self.write(child)
                continue
            if name in _SUBHEADINGS and _ends_article(child):
                self.flush()
                return  # "Related stories", "Comments": the rest is not the article
            if name in _BLOCK_BREAK_TAGS or name not in INLINE_TAGS:
                if self.skip(child):
                    if name in ("br", "hr"):
                        self.flush()
                    continue
                self.flush()
                self.write(child)
                self.flush()


def _ends_article(heading: Tag) -> bool:
    """Whether a subheading opens the page's tail (related posts, comments...)."""
    return ends_article(heading.get_text(" ", strip=True))


def render(tags: list[Tag], stats: dict[int, ElementStats]) -> str:
    """The text of ``tags`` (measured in ``stats``), paragraphs separated by a
    blank line."""
    good = sum(stats[id(t)].good for t in tags if id(t) in stats)
    writer = BodyWriter(stats, good)
    for tag in tags:
        writer.flush()
        writer.write(tag)
    writer.flush()
    return "\n\n".join(writer.paragraphs)
