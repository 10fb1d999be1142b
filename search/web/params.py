"""Query-string parameters -> typed values and a ``SearchRequest``; cache headers.

Every problem with a parameter is a ``QueryError`` naming it (an HTTP 400).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import falcon

from search import models
from search.errors import QueryError


def set_cache(resp: falcon.Response, max_age: int) -> None:
    """Mark a GET response cacheable for ``max_age`` seconds (``no-cache`` for 0)."""
    if max_age > 0:
        resp.cache_control = ["public", f"max-age={max_age}"]
    else:
        resp.cache_control = ["no-cache"]


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
        mode=(req.get_param("mode") or "").strip() or "plain",
        tags=list_param(req, "tag"),
        authors=list_param(req, "author"),
        sections=list_param(req, "section"),
        years=years,
        date_from=date_param(req, "from"),
        date_to=date_param(req, "to"),
        sort=(req.get_param("sort") or "").strip() or "relevance",
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
    return request


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
