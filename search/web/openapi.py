"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

``tests/test_search_web_openapi.py`` validates real responses against these schemas,
so the document stays true; response objects are closed
(``additionalProperties: false``) so an undocumented field fails that test.
"""

from __future__ import annotations

from typing import Any

from search import models
from search.web.apischemas import (
    INT,
    SCHEMAS,
    STR,
    ref,
)

VERSION = "0.1.0"


def _query(
    name: str, schema: dict[str, Any], text: str, *, repeat: bool = False
) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": text,
        "schema": {"type": "array", "items": schema} if repeat else schema,
    }
    if repeat:
        param["style"] = "form"
        param["explode"] = True
    return param


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
        "plain (safe, default) or raw (Whoosh query language; syntax errors are 400 "
        "with the position).",
    ),
    _query("tag", STR, "Only documents with this tag (OR when repeated).", repeat=True),
    _query(
        "author", STR, "Only documents by this author (OR when repeated).", repeat=True
    ),
    _query(
        "section",
        STR,
        "Only documents of this section (OR when repeated).",
        repeat=True,
    ),
    _query(
        "year",
        {**STR, "pattern": "^[0-9]{4}$"},
        "Only documents published in this year (OR when repeated).",
        repeat=True,
    ),
    _query("from", {**STR, "format": "date"}, "Published on or after (YYYY-MM-DD)."),
    _query("to", {**STR, "format": "date"}, "Published on or before (YYYY-MM-DD)."),
    _query(
        "sort",
        {"enum": list(models.SORTS), "default": "relevance"},
        "relevance (default), newest or oldest.",
    ),
    _query("page", {**INT, "minimum": 1, "default": 1}, "Page number, from 1."),
    _query(
        "per_page",
        {**INT, "minimum": 1, "maximum": models.MAX_PER_PAGE, "default": 10},
        f"Hits per page (at most {models.MAX_PER_PAGE}); page x per_page may not "
        f"exceed {models.MAX_RESULT_WINDOW}.",
    ),
    _query(
        "facets",
        STR,
        "Comma-separated facets to count: "
        + ", ".join(models.DEFAULT_FACETS)
        + " (all when absent, none when empty).",
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
        "recent blends publication date into relevance.",
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
        "(application/x-suggestions+json).",
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
        {**STR, "format": "date"},
        "Only documents published on or after (YYYY-MM-DD).",
    ),
]

DOC_ID_PARAMETER: dict[str, Any] = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "description": "The document id, percent-encoded as one path segment (ids are "
    "often URLs: encode '/' as %2F, e.g. with encodeURIComponent).",
    "schema": STR,
}


def _json(schema: dict[str, Any], text: str, media: str = "application/json") -> Any:
    return {"description": text, "content": {media: {"schema": schema}}}


#: Error responses: status -> when it happens.
ERROR_TEXTS: dict[int, str] = {
    400: "Invalid parameter or document",
    401: "Missing or wrong API key",
    403: "Writes are disabled (no API key configured)",
    404: "No such document",
    413: "Body too large",
    415: "Unsupported Content-Type",
    422: "The HTML page could not be extracted",
    503: "Index unavailable or busy (Retry-After)",
}


def _error_responses(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API.

    Returns:
        A JSON-ready dict.
    """
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    doc_params = [DOC_ID_PARAMETER]
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
                        **_error_responses(404, 503),
                    },
                },
                "put": {
                    "summary": "Create or replace a document (CMS publishing hook)",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/html": {"schema": STR},
                            "application/json": {"schema": ref("DocumentInput")},
                        },
                    },
                    "responses": {
                        "200": _json(ref("PutResponse"), "Replaced"),
                        "201": _json(ref("PutResponse"), "Created"),
                        **_error_responses(400, 401, 403, 413, 415, 422, 503),
                    },
                },
                "delete": {
                    "summary": "Delete a document",
                    "security": bearer,
                    "responses": {
                        "204": {"description": "Deleted"},
                        **_error_responses(401, 403, 404, 503),
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
                    "responses": {
                        "200": _json(ref("Stats"), "Statistics"),
                        **_error_responses(503),
                    },
                }
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
                f"E{code}": _json(ref("Error"), text)
                for code, text in sorted(ERROR_TEXTS.items())
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
