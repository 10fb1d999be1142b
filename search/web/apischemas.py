"""The component schemas of the OpenAPI document: every response and request body.

Shared by ``search.web.openapi`` (which adds the paths and parameters). Document
fields are named by ``search.schema``.
"""

from __future__ import annotations

from typing import Any

from search import models, schema

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STR_OR_NULL = {"type": ["string", "null"]}
STRS = {"type": "array", "items": STR}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
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


def described(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {
            "title": STR,
            "description": STR,
            "param": described(STR, "The parameter at fault."),
            "position": described(INT, "Offset of a raw-mode syntax error in q."),
        },
        required=["title", "description"],
    ),
    "Hit": obj(
        {
            "id": STR,
            "url": STR,
            "title": STR,
            "title_html": described(STR, "Escaped HTML title, matches in <mark>."),
            schema.AUTHORS: STRS,
            schema.TAGS: STRS,
            schema.SECTION: STR,
            "published": described(STR_OR_NULL, "ISO 8601 UTC date-time."),
            "summary": STR,
            "score": NUM,
            "snippets": described(
                STRS, "About 30 words each; escaped HTML, matches in <mark>."
            ),
        }
    ),
    "FacetValue": obj({"value": STR, "count": INT, "selected": BOOL}),
    "Facet": obj(
        {"values": {"type": "array", "items": ref("FacetValue")}, "truncated": BOOL}
    ),
    "QueryEcho": obj(
        {
            "q": STR,
            "mode": {"enum": list(models.MODES)},
            schema.TAGS: STRS,
            schema.AUTHORS: STRS,
            "sections": STRS,
            "years": STRS,
            "from": STR_OR_NULL,
            "to": STR_OR_NULL,
            "sort": {"enum": list(models.SORTS)},
            "page": INT,
            "per_page": INT,
            "facets": STRS,
            "facet_size": INT,
            "boost": STR_OR_NULL,
            "parsed": described(STR, "The query as the engine understood it."),
            "dropped_terms": described(
                STRS, "Words dropped to find partial matches when all found nothing."
            ),
        }
    ),
    "SearchResponse": obj(
        {
            "query": ref("QueryEcho"),
            "total": described(INT, "Matching documents."),
            "page": INT,
            "per_page": INT,
            "pages": described(INT, "Pages that can be served."),
            "took_ms": NUM,
            "partial": described(BOOL, "The time limit cut the search short."),
            "hits": {"type": "array", "items": ref("Hit")},
            "facets": {"type": "object", "additionalProperties": ref("Facet")},
            "did_you_mean": described(
                STR_OR_NULL, "A corrected query that would find more."
            ),
        }
    ),
    "Suggestion": obj(
        {
            "text": STR,
            "kind": {"enum": ["title", "term"]},
            "count": INT,
            "id": STR_OR_NULL,
            "url": STR_OR_NULL,
        }
    ),
    "OpenSearchSuggestions": {
        "type": "array",
        "prefixItems": [STR, STRS, STRS, STRS],
        "minItems": 4,
        "maxItems": 4,
        "description": "[query, completions, descriptions, urls]",
    },
    "Document": obj(
        {
            "id": STR,
            "url": STR_OR_NULL,
            "title": STR_OR_NULL,
            schema.AUTHORS: STRS,
            "body": STR_OR_NULL,
            schema.TAGS: STRS,
            schema.SECTION: STR_OR_NULL,
            "summary": STR_OR_NULL,
            "language": STR_OR_NULL,
            "published": STR_OR_NULL,
            "updated": STR_OR_NULL,
            "word_count": {"type": ["integer", "null"]},
            "content_hash": STR_OR_NULL,
            "source": STR_OR_NULL,
        }
    ),
    "DocumentInput": obj(
        {
            "id": described(STR, "Optional; must equal the path's id if given."),
            "url": STR,
            "title": STR,
            schema.AUTHORS: STRS,
            "body": STR,
            schema.TAGS: STRS,
            schema.SECTION: STR,
            "summary": STR,
            "language": STR,
            "published": described(STR_OR_NULL, "ISO 8601."),
            "updated": STR_OR_NULL,
            "word_count": INT,
            "content_hash": STR,
            "source": STR,
        },
        required=[],
        closed=False,
    ),
    "PutResponse": obj(
        {"id": STR, "created": BOOL, "document": ref("Document")},
    ),
    "RelatedResponse": obj(
        {"id": STR, "hits": {"type": "array", "items": ref("Hit")}},
    ),
    "Health": obj(
        {"status": {"const": "ok"}, "documents": INT, "ready": BOOL},
        required=["status", "documents", "ready"],
        closed=False,
    ),
    "Latency": obj({"count": INT, "p50": NUM, "p95": NUM, "p99": NUM, "max": NUM}),
    "Stats": obj(
        {
            "documents": INT,
            "index_bytes": INT,
            "last_update": STR_OR_NULL,
            "generation": INT,
            "segments": INT,
            "workers": described(
                {**INT, "minimum": 1}, "Worker processes serving on this machine."
            ),
            "worker": described(
                obj({"id": INT, "pid": INT}), "The worker that answered."
            ),
            "started": described(
                STR,
                "When the answering worker started (its uptime, latencies and "
                "zero-result queries are its own).",
            ),
            "uptime_s": NUM,
            "queries": described(
                {"type": "object", "additionalProperties": INT},
                "Queries by kind, summed over this machine's workers.",
            ),
            "zero_result_counts": {"type": "object", "additionalProperties": INT},
            "requests": described(
                {"type": "object", "additionalProperties": INT},
                "Requests by route, summed over this machine's workers.",
            ),
            "errors": {"type": "object", "additionalProperties": INT},
            "latency_ms": described(
                {"type": "object", "additionalProperties": ref("Latency")},
                "Latency by route, of the answering worker.",
            ),
            "zero_result_queries": described(
                {"type": "array", "items": obj({"q": STR, "count": INT})},
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
