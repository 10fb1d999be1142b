"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

``tests/test_search_web_openapi.py`` validates real responses against these schemas,
so the document stays true; response objects are closed
(``additionalProperties: false``) so an undocumented field fails that test.
"""

from __future__ import annotations

from typing import Any

from search import models

VERSION = "0.1.0"

_STR = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}
_STR_OR_NULL = {"type": ["string", "null"]}
_STRS = {"type": "array", "items": _STR}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(
    props: dict[str, Any], *, required: list[str] | None = None, closed: bool = True
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def _described(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


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
        {**_STR, "maxLength": models.MAX_QUERY_LENGTH},
        'The reader\'s words. Supports "exact phrases", -excluded words, OR, and '
        "title:, author:, tag: fields. Any text is accepted in plain mode.",
    ),
    _query(
        "mode",
        {"enum": list(models.MODES), "default": "plain"},
        "plain (safe, default) or raw (Whoosh query language; syntax errors are 400 "
        "with the position).",
    ),
    _query(
        "tag", _STR, "Only documents with this tag (OR when repeated).", repeat=True
    ),
    _query(
        "author", _STR, "Only documents by this author (OR when repeated).", repeat=True
    ),
    _query(
        "section",
        _STR,
        "Only documents of this section (OR when repeated).",
        repeat=True,
    ),
    _query(
        "year",
        {**_STR, "pattern": "^[0-9]{4}$"},
        "Only documents published in this year (OR when repeated).",
        repeat=True,
    ),
    _query("from", {**_STR, "format": "date"}, "Published on or after (YYYY-MM-DD)."),
    _query("to", {**_STR, "format": "date"}, "Published on or before (YYYY-MM-DD)."),
    _query(
        "sort",
        {"enum": list(models.SORTS), "default": "relevance"},
        "relevance (default), newest or oldest.",
    ),
    _query("page", {**_INT, "minimum": 1, "default": 1}, "Page number, from 1."),
    _query(
        "per_page",
        {**_INT, "minimum": 1, "maximum": models.MAX_PER_PAGE, "default": 10},
        f"Hits per page (at most {models.MAX_PER_PAGE}); page x per_page may not "
        f"exceed {models.MAX_RESULT_WINDOW}.",
    ),
    _query(
        "facets",
        _STR,
        "Comma-separated facets to count: "
        + ", ".join(models.DEFAULT_FACETS)
        + " (all when absent, none when empty).",
    ),
    _query(
        "facet_size",
        {
            **_INT,
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
        "q", {**_STR, "maxLength": models.MAX_QUERY_LENGTH}, "The text typed so far."
    ),
    _query(
        "limit",
        {**_INT, "minimum": 1, "maximum": 20, "default": 8},
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
        {**_INT, "minimum": 1, "maximum": 50, "default": 5},
        "Most related documents returned.",
    ),
    _query(
        "from",
        {**_STR, "format": "date"},
        "Only documents published on or after (YYYY-MM-DD).",
    ),
]

DOC_ID_PARAMETER: dict[str, Any] = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "description": "The document id, percent-encoded as one path segment (ids are "
    "often URLs: encode '/' as %2F, e.g. with encodeURIComponent).",
    "schema": _STR,
}

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "title": _STR,
            "description": _STR,
            "param": _described(_STR, "The parameter at fault."),
            "position": _described(_INT, "Offset of a raw-mode syntax error in q."),
        },
        required=["title", "description"],
    ),
    "Hit": _obj(
        {
            "id": _STR,
            "url": _STR,
            "title": _STR,
            "title_html": _described(_STR, "Escaped HTML title, matches in <mark>."),
            "authors": _STRS,
            "tags": _STRS,
            "section": _STR,
            "published": _described(_STR_OR_NULL, "ISO 8601 UTC date-time."),
            "summary": _STR,
            "score": _NUM,
            "snippets": _described(
                _STRS, "About 30 words each; escaped HTML, matches in <mark>."
            ),
        }
    ),
    "FacetValue": _obj({"value": _STR, "count": _INT, "selected": _BOOL}),
    "Facet": _obj(
        {"values": {"type": "array", "items": _ref("FacetValue")}, "truncated": _BOOL}
    ),
    "QueryEcho": _obj(
        {
            "q": _STR,
            "mode": {"enum": list(models.MODES)},
            "tags": _STRS,
            "authors": _STRS,
            "sections": _STRS,
            "years": _STRS,
            "from": _STR_OR_NULL,
            "to": _STR_OR_NULL,
            "sort": {"enum": list(models.SORTS)},
            "page": _INT,
            "per_page": _INT,
            "facets": _STRS,
            "facet_size": _INT,
            "boost": _STR_OR_NULL,
            "parsed": _described(_STR, "The query as the engine understood it."),
            "dropped_terms": _described(
                _STRS, "Words dropped to find partial matches when all found nothing."
            ),
        }
    ),
    "SearchResponse": _obj(
        {
            "query": _ref("QueryEcho"),
            "total": _described(_INT, "Matching documents."),
            "page": _INT,
            "per_page": _INT,
            "pages": _described(_INT, "Pages that can be served."),
            "took_ms": _NUM,
            "partial": _described(_BOOL, "The time limit cut the search short."),
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": {"type": "object", "additionalProperties": _ref("Facet")},
            "did_you_mean": _described(
                _STR_OR_NULL, "A corrected query that would find more."
            ),
        }
    ),
    "Suggestion": _obj(
        {
            "text": _STR,
            "kind": {"enum": ["title", "term"]},
            "count": _INT,
            "id": _STR_OR_NULL,
            "url": _STR_OR_NULL,
        }
    ),
    "OpenSearchSuggestions": {
        "type": "array",
        "prefixItems": [_STR, _STRS, _STRS, _STRS],
        "minItems": 4,
        "maxItems": 4,
        "description": "[query, completions, descriptions, urls]",
    },
    "Document": _obj(
        {
            "id": _STR,
            "url": _STR_OR_NULL,
            "title": _STR_OR_NULL,
            "authors": _STRS,
            "body": _STR_OR_NULL,
            "tags": _STRS,
            "section": _STR_OR_NULL,
            "summary": _STR_OR_NULL,
            "language": _STR_OR_NULL,
            "published": _STR_OR_NULL,
            "updated": _STR_OR_NULL,
            "word_count": {"type": ["integer", "null"]},
            "content_hash": _STR_OR_NULL,
            "source": _STR_OR_NULL,
        }
    ),
    "DocumentInput": _obj(
        {
            "id": _described(_STR, "Optional; must equal the path's id if given."),
            "url": _STR,
            "title": _STR,
            "authors": _STRS,
            "body": _STR,
            "tags": _STRS,
            "section": _STR,
            "summary": _STR,
            "language": _STR,
            "published": _described(_STR_OR_NULL, "ISO 8601."),
            "updated": _STR_OR_NULL,
            "word_count": _INT,
            "content_hash": _STR,
            "source": _STR,
        },
        required=[],
        closed=False,
    ),
    "PutResponse": _obj(
        {"id": _STR, "created": _BOOL, "document": _ref("Document")},
    ),
    "RelatedResponse": _obj(
        {"id": _STR, "hits": {"type": "array", "items": _ref("Hit")}},
    ),
    "Health": _obj(
        {"status": {"const": "ok"}, "documents": _INT, "ready": _BOOL},
        required=["status", "documents", "ready"],
        closed=False,
    ),
    "Latency": _obj(
        {"count": _INT, "p50": _NUM, "p95": _NUM, "p99": _NUM, "max": _NUM}
    ),
    "Stats": _obj(
        {
            "documents": _INT,
            "index_bytes": _INT,
            "last_update": _STR_OR_NULL,
            "generation": _INT,
            "segments": _INT,
            "workers": _described(
                {**_INT, "minimum": 1}, "Worker processes serving on this machine."
            ),
            "worker": _described(
                _obj({"id": _INT, "pid": _INT}), "The worker that answered."
            ),
            "started": _described(
                _STR,
                "When the answering worker started (its uptime, latencies and "
                "zero-result queries are its own).",
            ),
            "uptime_s": _NUM,
            "queries": _described(
                {"type": "object", "additionalProperties": _INT},
                "Queries by kind, summed over this machine's workers.",
            ),
            "zero_result_counts": {"type": "object", "additionalProperties": _INT},
            "requests": _described(
                {"type": "object", "additionalProperties": _INT},
                "Requests by route, summed over this machine's workers.",
            ),
            "errors": {"type": "object", "additionalProperties": _INT},
            "latency_ms": _described(
                {"type": "object", "additionalProperties": _ref("Latency")},
                "Latency by route, of the answering worker.",
            ),
            "zero_result_queries": _described(
                {"type": "array", "items": _obj({"q": _STR, "count": _INT})},
                "The answering worker's most frequent queries that found nothing.",
            ),
        },
        required=[
            "documents",
            "index_bytes",
            "last_update",
            "workers",
            "worker",
            "started",
            "uptime_s",
            "queries",
            "requests",
            "latency_ms",
            "zero_result_queries",
        ],
        closed=False,
    ),
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
                        "200": _json(_ref("SearchResponse"), "Results"),
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
                                        "items": _ref("Suggestion"),
                                    }
                                },
                                "application/x-suggestions+json": {
                                    "schema": _ref("OpenSearchSuggestions")
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
                        "200": _json(_ref("Document"), "The document"),
                        **_error_responses(404, 503),
                    },
                },
                "put": {
                    "summary": "Create or replace a document (CMS publishing hook)",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/html": {"schema": _STR},
                            "application/json": {"schema": _ref("DocumentInput")},
                        },
                    },
                    "responses": {
                        "200": _json(_ref("PutResponse"), "Replaced"),
                        "201": _json(_ref("PutResponse"), "Created"),
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
                        "200": _json(_ref("RelatedResponse"), "Related documents"),
                        **_error_responses(400, 404, 503),
                    },
                },
            },
            "/health": {
                "get": {
                    "summary": "Readiness and document count",
                    "responses": {
                        "200": _json(_ref("Health"), "Ready"),
                        **_error_responses(503),
                    },
                }
            },
            "/stats": {
                "get": {
                    "summary": "Index figures and this process's request metrics",
                    "responses": {
                        "200": _json(_ref("Stats"), "Statistics"),
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
                f"E{code}": _json(_ref("Error"), text)
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
