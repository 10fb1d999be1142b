"""Request and result models of the search engine, with their JSON shapes.

These plain dataclasses are the interface between the engine (``search.engine``) and
the HTTP layer: a ``SearchRequest`` goes in, a ``SearchResult`` comes out, and
``to_dict()`` gives the JSON body. This module imports only the standard library and
``search.errors``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from search import languages, schema
from search.errors import QueryError, UnknownFacetError

SORTS: tuple[str, ...] = ("relevance", "newest", "oldest")
MODES: tuple[str, ...] = ("plain", "raw")
BOOSTS: tuple[str, ...] = ("recent",)
DEFAULT_FACETS: tuple[str, ...] = tuple(schema.FACET_FIELDS)
MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 1000
MAX_QUERY_LENGTH = 1000
DEFAULT_FACET_SIZE = 20
MAX_FACET_SIZE = 100
#: Most filter values accepted per filter parameter.
MAX_FILTER_VALUES = 50
_YEAR_RE = re.compile(r"[0-9]{4}")


def check_query_length(q: str, param: str = "q") -> None:
    """Refuse query text over ``MAX_QUERY_LENGTH`` characters.

    Raises:
        QueryError: The text is too long.
    """
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"{param} is {len(q)} characters long; at most {MAX_QUERY_LENGTH} "
            "are accepted",
            param=param,
        )


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search as a reader (or a program) asked for it.

    Filter tuples are OR-ed within a field and AND-ed across fields. Dates are
    inclusive bounds on the publication date.
    """

    q: str = ""
    mode: str = "plain"
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: tuple[str, ...] = DEFAULT_FACETS
    facet_size: int = DEFAULT_FACET_SIZE
    boost: str | None = None

    def __post_init__(self) -> None:
        """A request is validated once, when it is made: every ``SearchRequest`` in
        the program is a valid one."""
        self.validate()

    def validate(self) -> None:
        """Check every parameter (done by the constructor).

        Raises:
            QueryError: A parameter is out of range (``param`` names it).
            UnknownFacetError: ``facets`` names a facet that does not exist.
        """
        check_query_length(self.q)
        if self.mode not in MODES:
            raise QueryError(
                f"unknown mode {self.mode!r}; use one of {', '.join(MODES)}",
                param="mode",
            )
        if self.sort not in SORTS:
            raise QueryError(
                f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}",
                param="sort",
            )
        if self.boost is not None and self.boost not in BOOSTS:
            raise QueryError(
                f"unknown boost {self.boost!r}; use one of {', '.join(BOOSTS)}",
                param="boost",
            )
        for name in self.facets:
            if name not in DEFAULT_FACETS:
                raise UnknownFacetError(name)
        if self.page < 1:
            raise QueryError("page must be 1 or more", param="page")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(
                f"per_page must be between 1 and {MAX_PER_PAGE}", param="per_page"
            )
        if self.page * self.per_page > MAX_RESULT_WINDOW:
            raise QueryError(
                f"results beyond the {MAX_RESULT_WINDOW:,}th are not served "
                f"(page {self.page} x per_page {self.per_page}); refine the query "
                "or use filters",
                param="page",
            )
        if not 1 <= self.facet_size <= MAX_FACET_SIZE:
            raise QueryError(
                f"facet_size must be between 1 and {MAX_FACET_SIZE}",
                param="facet_size",
            )
        self._validate_filters()

    def _validate_filters(self) -> None:
        """Check the filter values and the date range (part of ``validate``)."""
        for year in self.years:
            if not _YEAR_RE.fullmatch(year):
                raise QueryError(f"year must have 4 digits, got {year!r}", param="year")
        by_facet = self.filter_values()
        for param, facet in schema.FILTER_PARAMS.items():
            values = by_facet[facet]
            if len(values) > MAX_FILTER_VALUES:
                raise QueryError(
                    f"at most {MAX_FILTER_VALUES} {param} values are accepted",
                    param=param,
                )
        # from after to is an empty range (no hits), as in Elasticsearch and
        # Meilisearch range filters, not an error: a limit across two parameters
        # would be one more thing a schema cannot say.

    def filter_values(self) -> dict[str, tuple[str, ...]]:
        """The filter values of the request, by facet name."""
        return {
            schema.FACET_TAGS: self.tags,
            schema.FACET_AUTHORS: self.authors,
            schema.FACET_SECTION: self.sections,
            schema.FACET_YEAR: self.years,
            schema.FACET_LANGUAGE: tuple(
                languages.language_code(v) or v for v in self.languages
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """The request as echoed in a response's ``query`` object."""
        return {
            "q": self.q,
            "mode": self.mode,
            "tags": list(self.tags),
            "authors": list(self.authors),
            "sections": list(self.sections),
            "years": list(self.years),
            "languages": list(self.languages),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "facets": list(self.facets),
            "facet_size": self.facet_size,
            "boost": self.boost,
        }


@dataclass(slots=True)
class Hit:
    """One matching document as shown in a result list.

    ``title_html`` and ``snippets`` are HTML-escaped text in which only
    ``<mark>``/``</mark>`` is markup.
    """

    id: str
    url: str
    title: str
    title_html: str
    authors: list[str]
    tags: list[str]
    section: str
    published: str | None
    summary: str
    score: float
    snippets: list[str] = field(default_factory=list)
    #: Shown first because the editors pinned it for this query.
    pinned: bool = False
    #: The language the article is written in (and analysed as).
    language: str = languages.DEFAULT_LANGUAGE

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the hit."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "title_html": self.title_html,
            "authors": list(self.authors),
            "tags": list(self.tags),
            "section": self.section,
            "published": self.published,
            "summary": self.summary,
            "score": round(self.score, 4),
            "snippets": list(self.snippets),
            "pinned": self.pinned,
            "language": self.language,
        }


@dataclass(slots=True)
class FacetValue:
    """One value of a facet with the number of matching documents."""

    value: str
    count: int
    selected: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the value."""
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass(slots=True)
class Facet:
    """Counts of one facet over the whole result set."""

    name: str
    values: list[FacetValue]
    truncated: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: ``{"values": [...], "truncated": bool}``."""
        return {
            "values": [v.to_dict() for v in self.values],
            "truncated": self.truncated,
        }


@dataclass(slots=True)
class SearchResult:
    """The answer to a ``SearchRequest``."""

    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, Facet]
    took_ms: float
    partial: bool = False
    parsed_query: str = ""
    dropped_terms: list[str] = field(default_factory=list)
    did_you_mean: str | None = None
    #: Synonyms added to the query: the words as typed -> the words added.
    expanded: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Number of pages that can be served for this result."""
        servable = min(self.total, MAX_RESULT_WINDOW)
        return max(1, math.ceil(servable / self.request.per_page)) if servable else 0

    def to_dict(self) -> dict[str, Any]:
        """JSON body of a ``/search`` response."""
        return {
            "query": {
                **self.request.to_dict(),
                "parsed": self.parsed_query,
                "dropped_terms": list(self.dropped_terms),
                "expanded": {k: list(v) for k, v in self.expanded.items()},
            },
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 2),
            "partial": self.partial,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: f.to_dict() for name, f in self.facets.items()},
            "did_you_mean": self.did_you_mean,
        }


@dataclass(slots=True)
class Suggestion:
    """A completion for a search box: a matching title or a frequent term."""

    text: str
    kind: str
    count: int
    id: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the suggestion."""
        return {
            "text": self.text,
            "kind": self.kind,
            "count": self.count,
            "id": self.id,
            "url": self.url,
        }
