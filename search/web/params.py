"""Query-string parameters -> typed values and a ``SearchRequest``; cache headers.

Every problem with a parameter is a ``QueryError`` naming it (an HTTP 400).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import falcon

from search import models
from search.errors import QueryError

#: RFC 3339 ``full-date`` (the OpenAPI ``date`` format); ``date.fromisoformat``
#: alone would also take ``20240301`` and ``2024-W09-5``.
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT_RE = re.compile(r"[-+]?[0-9]+")


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

    Only ASCII digits with an optional sign are an integer (Python's ``int`` would
    also take ``" 7"``, ``"1_0"`` and other scripts' digits).

    Raises:
        QueryError: The value is not an integer or out of range.
    """
    raw = req.get_param(name)
    if raw is None:
        return default
    if _INT_RE.fullmatch(raw) and min_value <= int(raw) <= max_value:
        return int(raw)
    raise QueryError(
        f"{name} must be an integer from {min_value} to {max_value}, got {raw!r}",
        param=name,
    )


def date_param(req: falcon.Request, name: str) -> date | None:
    """A ``YYYY-MM-DD`` query parameter, or None when absent.

    Raises:
        QueryError: The value (an empty one included) is not such a date.
    """
    raw = req.get_param(name)
    if raw is None:
        return None
    try:
        if not _DATE_RE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise QueryError(
            f"{name} must be a date as YYYY-MM-DD, got {raw!r}", param=name
        ) from None


def list_param(req: falcon.Request, name: str) -> tuple[str, ...]:
    """Every non-blank value of a repeatable parameter, whitespace-trimmed.

    Raises:
        QueryError: More than ``MAX_FILTER_VALUES`` values are sent (blank ones
            count: the limit is on the request, as the OpenAPI ``maxItems``).
    """
    values = req.get_param_as_list(name, default=[]) or []
    if len(values) > models.MAX_FILTER_VALUES:
        raise QueryError(
            f"at most {models.MAX_FILTER_VALUES} {name} values are accepted",
            param=name,
        )
    return tuple(v.strip() for v in values if v and v.strip())


def facets_param(req: falcon.Request) -> tuple[str, ...]:
    """The ``facets`` comma list: the defaults when absent, none when empty.

    Names are taken as written, as the OpenAPI document's enum says: a blank or
    padded name (``facets=%0A``, ``tags,,year``) is refused like any unknown
    one, by ``SearchRequest``'s validation.

    Raises:
        QueryError: A name is not a facet (as ``UnknownFacetError``).
    """
    if not req.has_param("facets"):
        return models.DEFAULT_FACETS
    names: list[str] = []
    for value in req.get_param_as_list("facets", default=[]) or []:
        if value == "":
            continue  # facets= : none
        for name in value.split(","):
            if name not in names:
                names.append(name)
    return tuple(names)


def parse_search_request(req: falcon.Request) -> models.SearchRequest:
    """Turn ``/search`` query parameters into a validated ``SearchRequest``.

    Raises:
        QueryError: A parameter is malformed or out of range (``param`` names it).
    """
    request = models.SearchRequest(
        q=req.get_param("q") or "",
        mode=choice_param(req, "mode", models.MODES, "plain"),
        tags=list_param(req, "tag"),
        authors=list_param(req, "author"),
        sections=list_param(req, "section"),
        # every value checked: an empty one is a 400 like any other non-year
        years=tuple(req.get_param_as_list("year", default=[]) or []),
        languages=list_param(req, "language"),
        date_from=date_param(req, "from"),
        date_to=date_param(req, "to"),
        sort=choice_param(req, "sort", models.SORTS, "relevance"),
        page=int_param(
            req, "page", default=1, min_value=1, max_value=models.MAX_RESULT_WINDOW
        ),
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
        boost=choice_param(req, "boost", models.BOOSTS, None),
    )
    return request


def choice_param(
    req: falcon.Request, name: str, choices: Iterable[str], default: str | None
) -> Any:
    """A parameter that must be one of ``choices`` (``default`` when absent).

    Raises:
        QueryError: Any other value, an empty one included.
    """
    raw = req.get_param(name)
    if raw is None:
        return default
    allowed = tuple(choices)
    if raw not in allowed:
        raise QueryError(
            f"unknown {name} {raw!r}; use one of {', '.join(allowed)}", param=name
        )
    return raw
