"""Falcon resources of the read API: search, suggest, health, stats, OpenAPI text.

Responders are thin: parse parameters into models, call the engine, assign
``resp.media``. Domain errors propagate to the one translation table in ``search.app``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Protocol

import falcon

from search import models, openapi
from search.errors import IndexUnavailableError, QueryError
from search.stats import Stats

#: Content type of OpenSearch suggestions (``/suggest?format=opensearch``).
OPENSEARCH_SUGGESTIONS = "application/x-suggestions+json"
DEFAULT_SUGGEST_LIMIT = 8
MAX_SUGGEST_LIMIT = 20
DEFAULT_RELATED_LIMIT = 5
MAX_RELATED_LIMIT = 50
SUGGEST_FORMATS = ("json", "opensearch")
#: ``max-age`` of ``/openapi.json``.
OPENAPI_MAX_AGE = 3600


class Engine(Protocol):
    """What the resources need of ``search.engine.SearchEngine``."""

    def search(self, request: models.SearchRequest) -> models.SearchResult: ...

    def suggest(self, prefix: str, limit: int = ...) -> list[models.Suggestion]: ...

    def get_document(self, doc_id: str) -> dict[str, Any]: ...

    def related(
        self, doc_id: str, limit: int = ..., date_from: date | None = ...
    ) -> list[models.Hit]: ...

    def put_document(self, doc: Mapping[str, Any]) -> bool: ...

    def delete_document(self, doc_id: str) -> None: ...

    def health(self) -> dict[str, Any]: ...

    def index_stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


def set_cache(resp: falcon.Response, max_age: int) -> None:
    """Mark a GET response cacheable for ``max_age`` seconds (``no-cache`` for 0)."""
    if max_age > 0:
        resp.cache_control = ["public", f"max-age={max_age}"]
    else:
        resp.cache_control = ["no-cache"]


# --- parameter parsing (every problem is a QueryError naming the parameter) --------


def int_param(
    req: falcon.Request, name: str, *, default: int, min_value: int, max_value: int
) -> int:
    """An integer query parameter within ``[min_value, max_value]``.

    Raises:
        QueryError: The value is not an integer or out of range.
    """
    try:
        value = req.get_param_as_int(
            name, default=default, min_value=min_value, max_value=max_value
        )
    except falcon.HTTPInvalidParam:
        raise QueryError(
            f"{name} must be an integer from {min_value} to {max_value}, got "
            f"{req.get_param(name)!r}",
            param=name,
        ) from None
    assert value is not None  # default is an int
    return value


def date_param(req: falcon.Request, name: str) -> date | None:
    """A ``YYYY-MM-DD`` query parameter, or None when absent or empty.

    Raises:
        QueryError: The value is not a date.
    """
    raw = (req.get_param(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise QueryError(
            f"{name} must be a date as YYYY-MM-DD, got {raw!r}", param=name
        ) from None


def choice_param(
    req: falcon.Request, name: str, choices: Iterable[str], default: str
) -> str:
    """A parameter that must be one of ``choices``.

    Raises:
        QueryError: Any other value.
    """
    raw = (req.get_param(name) or "").strip()
    if not raw:
        return default
    allowed = tuple(choices)
    if raw not in allowed:
        raise QueryError(
            f"unknown {name} {raw!r}; use one of {', '.join(allowed)}", param=name
        )
    return raw


def list_param(req: falcon.Request, name: str) -> tuple[str, ...]:
    """Every non-blank value of a repeatable parameter, whitespace-trimmed."""
    values = req.get_param_as_list(name, default=[]) or []
    return tuple(v.strip() for v in values if v and v.strip())


def facets_param(req: falcon.Request) -> tuple[str, ...]:
    """The ``facets`` comma list: the defaults when absent, none when empty.

    Raises:
        QueryError: A name is not a facet (as ``UnknownFacetError``).
    """
    if not req.has_param("facets"):
        return models.DEFAULT_FACETS
    names: list[str] = []
    for value in req.get_param_as_list("facets", default=[]) or []:
        for name in value.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return tuple(names)


def parse_search_request(req: falcon.Request) -> models.SearchRequest:
    """Turn ``/search`` query parameters into a validated ``SearchRequest``.

    Raises:
        QueryError: A parameter is malformed or out of range (``param`` names it).
    """
    years = list_param(req, "year")
    boost = (req.get_param("boost") or "").strip() or None
    request = models.SearchRequest(
        q=req.get_param("q") or "",
        mode=choice_param(req, "mode", models.MODES, "plain"),
        tags=list_param(req, "tag"),
        authors=list_param(req, "author"),
        sections=list_param(req, "section"),
        years=years,
        date_from=date_param(req, "from"),
        date_to=date_param(req, "to"),
        sort=choice_param(req, "sort", models.SORTS, "relevance"),
        page=int_param(req, "page", default=1, min_value=1, max_value=1_000_000),
        per_page=int_param(
            req, "per_page", default=10, min_value=1, max_value=models.MAX_PER_PAGE
        ),
        facets=facets_param(req),
        facet_size=int_param(
            req,
            "facet_size",
            default=models.DEFAULT_FACET_SIZE,
            min_value=1,
            max_value=models.MAX_FACET_SIZE,
        ),
        boost=boost,
    )
    request.validate()
    return request


# --- resources ---------------------------------------------------------------------


class SearchResource:
    """``GET /search``: ranked, filtered, faceted results."""

    def __init__(self, engine: Engine, stats: Stats, max_age: int) -> None:
        self.engine = engine
        self.stats = stats
        self.max_age = max_age

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Run the search described by the query string."""
        request = parse_search_request(req)
        result = self.engine.search(request)
        self.stats.record_query("search", request.q, result.total)
        resp.media = result.to_dict()
        set_cache(resp, 0 if result.partial else self.max_age)


class SuggestResource:
    """``GET /suggest``: completions for a search box (JSON list or OpenSearch)."""

    def __init__(self, engine: Engine, stats: Stats, max_age: int) -> None:
        self.engine = engine
        self.stats = stats
        self.max_age = max_age

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Complete the text of ``q``."""
        q = req.get_param("q") or ""
        if len(q) > models.MAX_QUERY_LENGTH:
            raise QueryError(
                f"q is {len(q)} characters long; at most {models.MAX_QUERY_LENGTH} "
                "are accepted",
                param="q",
            )
        limit = int_param(
            req,
            "limit",
            default=DEFAULT_SUGGEST_LIMIT,
            min_value=1,
            max_value=MAX_SUGGEST_LIMIT,
        )
        fmt = choice_param(req, "format", SUGGEST_FORMATS, "json")
        suggestions = self.engine.suggest(q, limit) if q.strip() else []
        self.stats.record_query("suggest", q, len(suggestions))
        if fmt == "opensearch":
            body = [
                q,
                [s.text for s in suggestions],
                [s.kind for s in suggestions],
                [s.url or "" for s in suggestions],
            ]
            resp.data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            resp.content_type = OPENSEARCH_SUGGESTIONS
        else:
            resp.media = [s.to_dict() for s in suggestions]
        set_cache(resp, self.max_age)


class HealthResource:
    """``GET /health``: 200 with the document count, 503 when the index is unusable."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Report readiness (``IndexUnavailableError`` becomes the 503)."""
        health = dict(self.engine.health())
        if health.get("status") != "ok":
            raise IndexUnavailableError(
                str(health.get("description") or "the index is not ready")
            )
        health["ready"] = True
        resp.media = health

    #: Load balancers often check with ``HEAD``: same status, no body.
    on_head = on_get


class StatsResource:
    """``GET /stats``: index figures plus this process's request metrics."""

    def __init__(self, engine: Engine, stats: Stats) -> None:
        self.engine = engine
        self.stats = stats

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Merge ``engine.index_stats()`` with ``Stats.snapshot()``."""
        resp.media = {**self.engine.index_stats(), **self.stats.snapshot()}


class OpenAPIResource:
    """``GET /openapi.json``: the OpenAPI 3.1 description of this API."""

    def __init__(self) -> None:
        # Built and serialized once: the document never changes while serving.
        self._body = json.dumps(openapi.document(), ensure_ascii=False).encode("utf-8")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Serve the document."""
        resp.data = self._body
        resp.content_type = falcon.MEDIA_JSON
        set_cache(resp, OPENAPI_MAX_AGE)
