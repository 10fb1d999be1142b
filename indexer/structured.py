"""Structured data of a page: JSON-LD nodes (with ``@graph``) and microdata."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from bs4 import Tag

#: schema.org types whose node describes the article itself (best first).
ARTICLE_TYPES = (
    "newsarticle",
    "article",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "askpublicnewsarticle",
    "scholarlyarticle",
    "techarticle",
    "report",
    "liveblogposting",
    "socialmediaposting",
    "posting",
    "creativework",
)
#: Types describing the page; used after article nodes (titles, dates).
PAGE_TYPES = ("webpage", "itempage", "collectionpage", "medicalwebpage", "aboutpage")
_ARTICLE_RANK = {name: i for i, name in enumerate(ARTICLE_TYPES)}
_PAGE_TYPES = frozenset(PAGE_TYPES)
PERSON_TYPES = frozenset({"person"})
ORG_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "organisation", "brand"}
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def node_types(node: dict[str, Any]) -> set[str]:
    """The lower-cased ``@type`` values of a JSON-LD node."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _loads(text: str) -> Any:
    """Parse one script's JSON leniently; None when it cannot be read.

    Nesting deeper than the JSON decoder's recursion allows (hostile or broken
    pages) makes the block unreadable, not the page: it is ignored like bad JSON.
    """
    try:
        return _loads_lenient(text)
    except RecursionError:
        return None


def _loads_lenient(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.replace("<![CDATA[", "").replace("]]>", "").strip()
    if not text:
        return None
    try:
        return json.loads(_CONTROL.sub(" ", text), strict=False)
    except ValueError:
        pass
    # trailing semicolons, trailing commas, two objects in one script
    cleaned = _CONTROL.sub(" ", re.sub(r",\s*([}\]])", r"\1", text.rstrip(";")))
    try:
        return json.loads(cleaned, strict=False)
    except ValueError:
        pass
    # one object followed by junk (a stray closing brace, a second object)
    try:
        return json.JSONDecoder(strict=False).raw_decode(cleaned)[0]
    except ValueError:
        return None


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict node of a JSON-LD value, with ``@graph`` members flattened."""
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        graph = value.get("@graph")
        if graph is not None:
            yield from _walk(graph, depth + 1)
        for key in ("mainEntity", "mainEntityOfPage", "hasPart", "itemListElement"):
            child = value.get(key)
            if isinstance(child, dict | list):
                yield from _walk(child, depth + 1)


class JsonLd:
    """The JSON-LD nodes of a page, indexed by ``@id`` and sorted by article-ness."""

    __slots__ = ("nodes", "by_id", "articles", "pages")

    def __init__(self, scripts: Iterable[str]) -> None:
        self.nodes: list[dict[str, Any]] = []
        for text in scripts:
            self.nodes.extend(_walk(_loads(text)))
        self.by_id: dict[str, dict[str, Any]] = {}
        for node in self.nodes:
            node_id = node.get("@id")
            if isinstance(node_id, str) and len(node) > 1:
                self.by_id.setdefault(node_id, node)
        ranked: list[tuple[int, dict[str, Any]]] = []
        self.pages: list[dict[str, Any]] = []
        for node in self.nodes:
            kinds = node_types(node)
            ranks = [_ARTICLE_RANK[t] for t in kinds if t in _ARTICLE_RANK]
            if ranks:
                ranked.append((min(ranks), node))
            if kinds & _PAGE_TYPES:
                self.pages.append(node)
        ranked.sort(key=lambda item: item[0])  # stable: page order within a rank
        self.articles = [node for _, node in ranked]

    def resolve(self, value: Any) -> Any:
        """Replace a bare ``{"@id": ...}`` reference by the node it names."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            node_id = value.get("@id")
            if isinstance(node_id, str) and node_id in self.by_id:
                return self.by_id[node_id]
        return value

    def values(self, key: str, *, pages: bool = False) -> list[Any]:
        """The values of ``key`` on the article nodes (then page nodes if asked)."""
        nodes = self.articles + (self.pages if pages else [])
        return [node[key] for node in nodes if node.get(key) not in (None, "", [])]

    def any_values(self, key: str) -> list[Any]:
        """The values of ``key`` on any node (HowTo, Recipe, Event...), page order."""
        return [node[key] for node in self.nodes if node.get(key) not in (None, "", [])]

    def first_text(self, key: str, *, pages: bool = False) -> str | None:
        """The first string value of ``key`` (lists and ``{"name": ...}`` unpacked)."""
        for value in self.values(key, pages=pages):
            for text in texts(self.resolve(value)):
                return text
        return None

    def people(self, key: str = "author") -> tuple[list[str], list[str], set[str]]:
        """Names under ``key`` of the article nodes.

        Returns:
            (persons and untyped names, organisations, names typed ``Person``).
        """
        persons: list[str] = []
        orgs: list[str] = []
        typed: set[str] = set()
        for value in self.values(key):
            items = value if isinstance(value, list) else [value]
            for item in items:
                item = self.resolve(item)
                if isinstance(item, str):
                    persons.append(item)
                elif isinstance(item, dict):
                    name = _person_name(item)
                    if name is None:
                        continue
                    kinds = node_types(item)
                    (orgs if kinds & ORG_TYPES else persons).append(name)
                    if kinds & PERSON_TYPES:
                        typed.add(name.casefold())
            if persons or orgs:
                break
        return persons, orgs, typed


def _person_name(item: dict[str, Any]) -> str | None:
    name = item.get("name")
    if isinstance(name, list):
        name = next((n for n in name if isinstance(n, str)), None)
    if not isinstance(name, str):
        given, family = item.get("givenName"), item.get("familyName")
        if isinstance(given, str) and isinstance(family, str):
            name = f"{given} {family}"
    return name if isinstance(name, str) else None


def texts(value: Any) -> list[str]:
    """Strings of a JSON-LD value: a string, a list of them, or ``{"name": ...}``."""
    if isinstance(value, str):
        value = html.unescape(value) if "&" in value else value  # "Q&#038;A"
        return [value.strip()] if value.strip() else []
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [t for item in value for t in texts(item)]
    if isinstance(value, dict):
        for key in ("name", "@value", "headline"):
            if key in value:
                return texts(value[key])
    return []


def itemprop_value(tag: Tag) -> str | None:
    """The value of a microdata property element (content/datetime attr or text)."""
    for attr in ("content", "datetime"):
        value = tag.get(attr)
        if isinstance(value, str) and value.strip():
            return value.strip()
    if tag.name == "meta":
        return None
    if tag.get("itemscope") is not None:
        name = tag.find(None, {"itemprop": "name"})
        if isinstance(name, Tag):
            return itemprop_value(name)
    text = tag.get_text(" ", strip=True)
    return text or None
