"""Falcon resources of the read API: search, suggest, health, stats, OpenAPI text.

Responders are thin: parse parameters into models, call the engine, assign
``resp.media``. Domain errors propagate to the one translation table in
``search.web.errors``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

import falcon

from search import models
from search.settings import SettingsFile
from search.web import openapi
from search.web.auth import Authenticator
from search.web.metrics import Stats
from search.web.params import choice_param, int_param, parse_search_request, set_cache

#: Content type of OpenSearch suggestions (``/suggest?format=opensearch``).
OPENSEARCH_SUGGESTIONS = "application/x-suggestions+json"
DEFAULT_SUGGEST_LIMIT = 8
MAX_SUGGEST_LIMIT = 20
DEFAULT_RELATED_LIMIT = 5
MAX_RELATED_LIMIT = 50
SUGGEST_FORMATS = ("json", "opensearch")
#: The part of ``/stats`` shown only with the key: what readers typed.
PRIVATE_STATS = "zero_result_queries"
#: ``max-age`` of ``/openapi.json``.
OPENAPI_MAX_AGE = 3600


class Engine(Protocol):
    """What the resources need of ``search.engine.SearchEngine``."""

    settings_file: SettingsFile | None

    def search(self, request: models.SearchRequest) -> models.SearchResult: ...

    def suggest(self, prefix: str, limit: int = ...) -> list[models.Suggestion]: ...

    def get_document(self, doc_id: str) -> dict[str, Any]: ...

    def related(
        self, doc_id: str, limit: int = ..., date_from: date | None = ...
    ) -> list[models.Hit]: ...

    def put_document(self, doc: Mapping[str, Any]) -> bool: ...

    def delete_document(self, doc_id: str) -> None: ...

    def ensure_writable(self) -> None: ...

    def health(self) -> dict[str, Any]: ...

    def index_stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


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
        models.check_query_length(q)
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
        """Report readiness (the engine's ``IndexUnavailableError`` becomes the 503)."""
        health = dict(self.engine.health())
        health["ready"] = True
        resp.media = health

    #: Load balancers often check with ``HEAD``: same status, no body.
    on_head = on_get


class StatsResource:
    """``GET /stats``: index figures plus this process's request metrics."""

    def __init__(self, engine: Engine, stats: Stats, auth: Authenticator) -> None:
        self.engine = engine
        self.stats = stats
        self.auth = auth

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Merge ``engine.index_stats()`` with ``Stats.snapshot()``.

        Readers' own queries (``zero_result_queries``) are shown only with the
        write key; a wrong key is refused like on a write. The counts are public.
        """
        private = req.get_header("Authorization") is not None
        if private:
            self.auth.require(req)
        snapshot = self.stats.snapshot()
        if not private:
            snapshot.pop(PRIVATE_STATS)
        resp.media = {**self.engine.index_stats(), **snapshot}


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
