"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

``tests/test_search_web_openapi.py`` validates real responses against these schemas,
so the document stays true; response objects are closed
(``additionalProperties: false``) so an undocumented field fails that test.
"""

from __future__ import annotations

from typing import Any

from search import models, schema
from search.web.apischemas import (
    HTML_START,
    INT,
    SCHEMAS,
    STR,
    ref,
)

VERSION = "0.1.0"


def _query(
    name: str,
    schema: dict[str, Any],
    text: str,
    *,
    repeat: bool = False,
    comma: bool = False,
) -> dict[str, Any]:
    """A query parameter; ``repeat`` for ``?tag=a&tag=b``, ``comma`` for ``a,b``."""
    param: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": text,
        "schema": schema,
    }
    if repeat or comma:
        param["style"] = "form"
        param["explode"] = repeat
    return param


def _values(item: dict[str, Any]) -> dict[str, Any]:
    """A repeatable filter parameter's schema: at most ``MAX_FILTER_VALUES`` values."""
    return {"type": "array", "items": item, "maxItems": models.MAX_FILTER_VALUES}


#: Said of every typed parameter: an empty value is not "absent".
STRICT = " An empty value is refused like any other invalid one (400)."
#: A date parameter: RFC 3339 ``full-date``.
DATE = {**STR, "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}

#: Query parameters of ``GET /search`` (``tests/test_docs.py`` checks the README).
SEARCH_PARAMETERS: list[dict[str, Any]] = [
    _query(
        "q",
        {**STR, "maxLength": models.MAX_QUERY_LENGTH},
        'The reader\'s words. Supports "exact phrases", -excluded words, OR, and '
        "title:, author:, tag: fields. Any text is accepted in plain mode.",
    ),
    _query(
        "mode",
        {"enum": list(models.MODES), "default": "plain"},
        "plain (safe, default) or raw (the Whoosh query language: q must then parse, "
        "and a syntax error is a 400 with its position, which a schema cannot "
        "express)." + STRICT,
    ),
    _query(
        "tag",
        _values(STR),
        "Only documents with this tag (OR when repeated; blank values are ignored).",
        repeat=True,
    ),
    _query(
        "author",
        _values(STR),
        "Only documents by this author (OR when repeated; blank values are ignored).",
        repeat=True,
    ),
    _query(
        "section",
        _values(STR),
        "Only documents of this section (OR when repeated; blank values are ignored).",
        repeat=True,
    ),
    _query(
        "year",
        _values({**STR, "pattern": "^[0-9]{4}$"}),
        "Only documents published in this year (OR when repeated)." + STRICT,
        repeat=True,
    ),
    _query(
        "language",
        _values(STR),
        "Only documents in this language (a code such as de; OR when repeated). "
        "The query is then analysed in these languages only (else in every "
        "language the index holds).",
        repeat=True,
    ),
    _query("from", DATE, "Published on or after (YYYY-MM-DD)." + STRICT),
    _query(
        "to",
        DATE,
        "Published on or before (YYYY-MM-DD); not before from." + STRICT,
    ),
    _query(
        "sort",
        {"enum": list(models.SORTS), "default": "relevance"},
        "relevance (default), newest or oldest." + STRICT,
    ),
    _query(
        "page",
        {**INT, "minimum": 1, "maximum": models.MAX_RESULT_WINDOW, "default": 1},
        f"Page number, from 1. Results beyond the {models.MAX_RESULT_WINDOW:,}th are "
        f"not served: page x per_page over {models.MAX_RESULT_WINDOW:,} is a 400 "
        "(a limit across two parameters, which a schema cannot express).",
    ),
    _query(
        "per_page",
        {**INT, "minimum": 1, "maximum": models.MAX_PER_PAGE, "default": 10},
        f"Hits per page (at most {models.MAX_PER_PAGE}); page x per_page may not "
        f"exceed {models.MAX_RESULT_WINDOW:,}.",
    ),
    _query(
        "facets",
        {"type": "array", "items": {"enum": list(models.DEFAULT_FACETS)}},
        "Comma-separated facets to count: "
        + ", ".join(models.DEFAULT_FACETS)
        + " (all when absent, none when empty).",
        comma=True,
    ),
    _query(
        "facet_size",
        {
            **INT,
            "minimum": 1,
            "maximum": models.MAX_FACET_SIZE,
            "default": models.DEFAULT_FACET_SIZE,
        },
        "Most values returned per facet.",
    ),
    _query(
        "boost",
        {"enum": list(models.BOOSTS)},
        "recent blends publication date into relevance." + STRICT,
    ),
]

SUGGEST_PARAMETERS: list[dict[str, Any]] = [
    _query(
        "q", {**STR, "maxLength": models.MAX_QUERY_LENGTH}, "The text typed so far."
    ),
    _query(
        "limit",
        {**INT, "minimum": 1, "maximum": 20, "default": 8},
        "Most suggestions returned.",
    ),
    _query(
        "format",
        {"enum": ["json", "opensearch"], "default": "json"},
        "json (a list of suggestion objects) or opensearch "
        "(application/x-suggestions+json)." + STRICT,
    ),
]

RELATED_PARAMETERS: list[dict[str, Any]] = [
    _query(
        "limit",
        {**INT, "minimum": 1, "maximum": 50, "default": 5},
        "Most related documents returned.",
    ),
    _query(
        "from",
        DATE,
        "Only documents published on or after (YYYY-MM-DD)." + STRICT,
    ),
]

DOC_ID_PARAMETER: dict[str, Any] = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "description": "The document id, percent-encoded as one path segment (ids are "
    "often URLs: encode '/' as %2F, e.g. with encodeURIComponent). At most "
    f"{schema.MAX_ID_LENGTH} characters, no control characters, no white space at "
    "either end; any other id is a 400.",
    "schema": {
        **STR,
        "minLength": 1,
        "maxLength": schema.MAX_ID_LENGTH,
        "pattern": schema.ID_PATTERN,
    },
}


def _json(schema: dict[str, Any], text: str, media: str = "application/json") -> Any:
    return {"description": text, "content": {media: {"schema": schema}}}


#: Error responses: status -> when it happens.
ERROR_TEXTS: dict[int, str] = {
    400: "Invalid parameter, document id or document",
    401: "Missing or wrong API key",
    403: "Writes are disabled (no API key configured)",
    404: "No such document",
    405: "A read-only replica: writes go to the writer (Allow: GET, HEAD)",
    413: "Body too large",
    415: "Unsupported Content-Type",
    422: "The HTML page has no article text to extract",
    429: "Too many failed authentication attempts from this address (Retry-After)",
    503: "Index unavailable or busy (Retry-After when worth retrying)",
}
#: Statuses whose response may carry ``Retry-After``.
RETRY_AFTER = frozenset({429, 503})

#: ``PUT`` of an HTML page: a page has markup (a body of bare text is a 400).
HTML_BODY: dict[str, Any] = {
    **STR,
    "pattern": HTML_START,
    "description": "The article's HTML page: it begins (after white space) with a "
    "tag, a comment or a doctype. A page in which no article text is found is a 422 "
    "(what an extractor finds cannot be said by a schema).",
}


def _error_responses(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


def _error_response(code: int) -> dict[str, Any]:
    response: dict[str, Any] = _json(ref("Error"), ERROR_TEXTS[code])
    if code in RETRY_AFTER:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {**INT, "minimum": 0},
            }
        }
    return response


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API.

    Returns:
        A JSON-ready dict.
    """
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    doc_params = [DOC_ID_PARAMETER]
    settings_body = {
        "required": True,
        "content": {"application/json": {"schema": ref("SettingsInput")}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "analysis-search",
            "version": VERSION,
            "description": "Ranked, faceted, typo-tolerant search over analysis "
            "articles. Every error is JSON {title, description}.",
        },
        "paths": {
            "/search": {
                "get": {
                    "summary": "Ranked, filtered, faceted search",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _json(ref("SearchResponse"), "Results"),
                        **_error_responses(400, 503),
                    },
                }
            },
            "/suggest": {
                "get": {
                    "summary": "Completions for a search box",
                    "parameters": SUGGEST_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "Suggestions",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": ref("Suggestion"),
                                    }
                                },
                                "application/x-suggestions+json": {
                                    "schema": ref("OpenSearchSuggestions")
                                },
                            },
                        },
                        **_error_responses(400, 503),
                    },
                }
            },
            "/documents/{doc_id}": {
                "parameters": doc_params,
                "get": {
                    "summary": "One stored document",
                    "responses": {
                        "200": _json(ref("Document"), "The document"),
                        **_error_responses(400, 404, 503),
                    },
                },
                "put": {
                    "summary": "Create or replace a document (CMS publishing hook)",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/html": {"schema": HTML_BODY},
                            "application/json": {"schema": ref("DocumentInput")},
                        },
                    },
                    "responses": {
                        "200": _json(ref("PutResponse"), "Replaced"),
                        "201": _json(ref("PutResponse"), "Created"),
                        **_error_responses(400, 401, 403, 405, 413, 415, 422, 429, 503),
                    },
                },
                "delete": {
                    "summary": "Delete a document",
                    "security": bearer,
                    "responses": {
                        "204": {"description": "Deleted"},
                        **_error_responses(400, 401, 403, 404, 405, 429, 503),
                    },
                },
            },
            "/documents/{doc_id}/related": {
                "parameters": doc_params,
                "get": {
                    "summary": "Related documents (the document itself excluded)",
                    "parameters": RELATED_PARAMETERS,
                    "responses": {
                        "200": _json(ref("RelatedResponse"), "Related documents"),
                        **_error_responses(400, 404, 503),
                    },
                },
            },
            "/health": {
                "get": {
                    "summary": "Readiness and document count",
                    "responses": {
                        "200": _json(ref("Health"), "Ready"),
                        **_error_responses(503),
                    },
                }
            },
            "/stats": {
                "get": {
                    "summary": "Index figures and this process's request metrics",
                    "description": "With the write key, also the queries that found "
                    "nothing (what readers typed); a wrong key is a 401.",
                    "security": [{}, {"bearer": []}],
                    "responses": {
                        "200": _json(ref("Stats"), "Statistics"),
                        **_error_responses(401, 429, 503),
                    },
                }
            },
            "/settings": {
                "get": {
                    "summary": "The editors' settings: pinned results, hidden articles",
                    "security": bearer,
                    "responses": {
                        "200": _json(ref("Settings"), "The settings in force"),
                        **_error_responses(401, 403, 429),
                    },
                },
                "put": {
                    "summary": "Replace the settings",
                    "security": bearer,
                    "requestBody": settings_body,
                    "responses": {
                        "200": _json(ref("Settings"), "The new settings"),
                        **_error_responses(400, 401, 403, 405, 413, 415, 429),
                    },
                },
                "patch": {
                    "summary": "Replace the settings named (null: back to none)",
                    "security": bearer,
                    "requestBody": settings_body,
                    "responses": {
                        "200": _json(ref("Settings"), "The new settings"),
                        **_error_responses(400, 401, 403, 405, 413, 415, 429),
                    },
                },
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"E{code}": _error_response(code) for code in sorted(ERROR_TEXTS)
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The key of ANALYSIS_SEARCH_API_KEY.",
                }
            },
        },
    }
