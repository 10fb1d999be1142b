"""The component schemas of the OpenAPI document: every response and request body.

Shared by ``search.web.openapi`` (which adds the paths and parameters). Document
fields are named by ``search.schema``.
"""

from __future__ import annotations

from typing import Any

from search import models, schema, settings

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STR_OR_NULL = {"type": ["string", "null"]}
STRS = {"type": "array", "items": STR}
#: A document id (``schema.check_id``).
DOC_ID = {
    **STR,
    "minLength": 1,
    "maxLength": schema.MAX_ID_LENGTH,
    "pattern": schema.ID_PATTERN,
}
PINNED_IDS = {"type": "array", "maxItems": settings.MAX_PINNED_IDS, "items": DOC_ID}
#: An HTML page begins, after white space, with a tag, a comment or a doctype (as in
#: the WHATWG's sniffing of HTML): the ``text/html`` body of ``PUT``.
HTML_START = "^\ufeff?[\t\n\f\r ]*<[A-Za-z!?/]"
#: One string or a list of them, or none (``authors`` and ``tags`` of an input
#: document).
NAMES = {"type": ["array", "string", "null"], "items": STR}
#: Text that is not blank (``str.strip`` leaves something).
TEXT = {**STR, "pattern": f"[^{schema.WHITESPACE_CHARS}]"}
#: A date of an input document: ISO 8601 (RFC 3339) date or date-time, or none.
DATE_INPUT = {
    "anyOf": [
        {"type": "null"},
        {"const": ""},
        {**STR, "format": "date-time"},
        {**STR, "format": "date"},
    ]
}


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


#: A side of a synonym (or a pinned query): 1 to ``MAX_QUERY_CHARS`` characters.
SETTINGS_TEXT = {"minLength": 1, "maxLength": settings.MAX_QUERY_CHARS}

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
            "pinned": described(
                BOOL, "Shown first: the editors pinned it for this query."
            ),
            "language": described(
                STR, "The article's language code (en when it names none)."
            ),
        }
    ),
    "Settings": obj(
        {
            "synonyms": described(
                {"type": "object", "additionalProperties": STRS},
                "Words a reader may type -> words also searched for them.",
            ),
            "pinned": described(
                {"type": "object", "additionalProperties": PINNED_IDS},
                "A query -> the ids shown first for it, in order.",
            ),
            "hidden": described(
                {"type": "array", "items": DOC_ID},
                "Ids never shown in results, suggestions or related posts.",
            ),
        }
    ),
    "SettingsInput": obj(
        {
            "synonyms": described(
                {
                    "type": ["object", "null"],
                    "maxProperties": settings.MAX_SYNONYM_KEYS,
                    "propertyNames": SETTINGS_TEXT,
                    "additionalProperties": {
                        "type": "array",
                        "maxItems": settings.MAX_SYNONYMS,
                        "items": {"type": "string", **SETTINGS_TEXT},
                    },
                },
                "Words a reader may type -> words also searched for them (one "
                "way; list both directions for a two-way group). Either side may "
                "have several words; case and accents do not matter. Exact "
                "matches rank above synonym matches; null: none.",
            ),
            "pinned": described(
                {
                    "type": ["object", "null"],
                    "maxProperties": settings.MAX_PINNED_QUERIES,
                    "propertyNames": {
                        "minLength": 1,
                        "maxLength": settings.MAX_QUERY_CHARS,
                    },
                    "additionalProperties": PINNED_IDS,
                },
                "A query -> the ids shown first for it, in order, when they pass "
                "the filters. Queries match case-, accent- and order-insensitively "
                "(of two that normalise alike, the last wins); null: none.",
            ),
            "hidden": described(
                {
                    "type": ["array", "null"],
                    "maxItems": settings.MAX_HIDDEN,
                    "items": DOC_ID,
                },
                "Ids never shown in results, suggestions or related posts; null: none.",
            ),
        },
        required=[],
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
            "languages": STRS,
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
            "expanded": described(
                {"type": "object", "additionalProperties": STRS},
                "Editors' synonyms added to the query: the words as typed -> the "
                "words also searched.",
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
    # Not written with prefixItems: Schemathesis 4 rewrites a prefixItems tuple
    # into an items list that its own 2020-12 check then refuses, so a tool people
    # use on this API would choke on it. tests/test_search_web_openapi.py checks
    # the positions.
    "OpenSearchSuggestions": {
        "type": "array",
        "items": {"anyOf": [STR, STRS]},
        "minItems": 4,
        "maxItems": 4,
        "contains": STR,
        "minContains": 1,
        "maxContains": 1,
        "description": "[query, completions, descriptions, urls]: the query text, "
        "then three lists of strings of the same length.",
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
    "DocumentInput": {
        **obj(
            {
                "id": described(
                    STR_OR_NULL,
                    "Optional; when given it must equal the path's id (a limit "
                    "across the path and the body, which a schema cannot express).",
                ),
                "url": STR_OR_NULL,
                "title": STR_OR_NULL,
                schema.AUTHORS: described(NAMES, "A list of names, or one name."),
                "body": STR_OR_NULL,
                schema.TAGS: described(NAMES, "A list of tags, or one tag."),
                schema.SECTION: STR_OR_NULL,
                "summary": STR_OR_NULL,
                "language": STR_OR_NULL,
                "published": described(DATE_INPUT, "ISO 8601 date or date-time."),
                "updated": described(DATE_INPUT, "ISO 8601 date or date-time."),
                "word_count": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": schema.MAX_WORD_COUNT,
                },
                "content_hash": STR_OR_NULL,
                "source": STR_OR_NULL,
            },
            required=[],
        ),
        "anyOf": [
            {"required": ["title"], "properties": {"title": TEXT}},
            {"required": ["body"], "properties": {"body": TEXT}},
        ],
        "description": "A fielded document: it needs a title or a body that is not "
        "blank. Unknown fields are refused; null is the same as leaving a field out.",
    },
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
                "The answering worker's most frequent queries that found nothing "
                "(readers' words: only with the write key).",
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
        ],
        closed=False,
    ),
}
