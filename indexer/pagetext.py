"""Visible text around an element of a page: what follows it and what precedes it.

Bylines and datelines are found next to the headline; these walk the parse tree
from an element, forwards or backwards, collecting visible text nodes (scripts and
styles skipped; forwards, image captions and credits too, whose dates and names are
the photo's, not the article's) until about ``limit`` characters are read.
"""

from __future__ import annotations

from collections.abc import Iterable

from bs4.element import NavigableString, PageElement, Tag

from indexer.pagecontext import class_id

_INVISIBLE = ("script", "style", "noscript")


def text_after(tag: Tag, limit: int) -> str:
    """Up to about ``limit`` characters of visible text following ``tag``'s start."""
    return " ".join(text_pieces(tag, limit))


def text_pieces(tag: Tag, limit: int) -> list[str]:
    """Visible text nodes from ``tag``'s start on, up to about ``limit`` characters
    (image captions and credits skipped)."""
    return _visible(tag.next_elements, limit, skip_captions=True)


def text_before(tag: Tag, limit: int) -> str:
    """Up to about ``limit`` characters of visible text right before ``tag``."""
    return " ".join(reversed(_visible(tag.previous_elements, limit)))


def _visible(
    elements: Iterable[PageElement], limit: int, *, skip_captions: bool = False
) -> list[str]:
    parts: list[str] = []
    size = 0
    captions: dict[int, bool] = {}
    for element in elements:
        if type(element) is not NavigableString:
            continue
        parent = element.parent
        if parent is None:
            if skip_captions:
                continue
        elif parent.name in _INVISIBLE:
            continue
        elif skip_captions:
            key = id(parent)
            if key not in captions:
                captions[key] = _in_caption(parent)
            if captions[key]:
                continue
        text = element.strip()
        if text:
            parts.append(text)
            size += len(text)
            if size >= limit:
                break
    return parts


def _in_caption(tag: Tag) -> bool:
    for depth, node in enumerate([tag, *tag.parents]):
        if depth > 3 or node.name in ("body", "html", "[document]"):
            return False
        if node.name in ("figcaption", "figure"):
            return True
        marks = class_id(node).lower()
        if "caption" in marks or "credit" in marks:
            return True
    return False
