"""The Falcon application factory: routes, middleware and the one error table.

``create_app(config)`` builds everything and does no I/O at import time.
``waitress-serve --call search.app:create_app`` calls it with no arguments, in which
case the configuration is read from the ``ANALYSIS_SEARCH_*`` environment variables.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import falcon

from search import page
from search.config import Config
from search.errors import (
    DocumentNotFoundError,
    IndexLockedError,
    IndexUnavailableError,
    InvalidDocumentError,
    QueryError,
    SchemaMismatchError,
    SearchError,
    UnknownFacetError,
)
from search.middleware import (
    CacheControlMiddleware,
    RawPathMiddleware,
    RequestLogMiddleware,
)
from search.resources import (
    Engine,
    HealthResource,
    OpenAPIResource,
    SearchResource,
    StatsResource,
    SuggestResource,
)
from search.resources_documents import (
    DocumentResource,
    ExtractionError,
    ExtractorUnavailableError,
    RelatedResource,
)
from search.stats import Stats

logger = logging.getLogger(__name__)

#: Seconds a client should wait before retrying a write that met a locked index.
RETRY_AFTER_LOCKED = 2

#: Domain error -> (HTTP status, title), most specific classes first.
ERROR_TABLE: tuple[tuple[type[SearchError], str, str], ...] = (
    (UnknownFacetError, falcon.HTTP_400, "Unknown facet"),
    (QueryError, falcon.HTTP_400, "Invalid parameter"),
    (ExtractionError, falcon.HTTP_422, "Page not extractable"),
    (InvalidDocumentError, falcon.HTTP_400, "Invalid document"),
    (DocumentNotFoundError, falcon.HTTP_404, "Document not found"),
    (IndexLockedError, falcon.HTTP_503, "Index busy"),
    (SchemaMismatchError, falcon.HTTP_503, "Index schema mismatch"),
    (IndexUnavailableError, falcon.HTTP_503, "Index unavailable"),
    (ExtractorUnavailableError, falcon.HTTP_503, "Extractor unavailable"),
    (SearchError, falcon.HTTP_500, "Search error"),
)

#: Routes of the JSON API (the search page adds its own through ``search.page``).
API_ROUTES: tuple[str, ...] = (
    "/search",
    "/suggest",
    "/documents/{doc_id}",
    "/documents/{doc_id}/related",
    "/health",
    "/stats",
    "/openapi.json",
)


class APIError(falcon.HTTPError):
    """An ``HTTPError`` whose body carries extra keys (``param``, ``position``)."""

    def __init__(self, status: str, *, extra: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(status, **kwargs)
        self.extra = extra

    def to_dict(self, obj_type: Any = dict) -> Any:
        """Falcon's ``title``/``description`` plus the extra keys."""
        body = super().to_dict(obj_type)
        body.update(self.extra)
        return body


def handle_search_error(
    req: falcon.Request, resp: falcon.Response, ex: SearchError, params: Any
) -> None:
    """Translate a domain error into its HTTP error through ``ERROR_TABLE``.

    Raises:
        APIError: Always.
    """
    status, title = next(
        (status, title) for cls, status, title in ERROR_TABLE if isinstance(ex, cls)
    )
    extra: dict[str, Any] = {}
    if isinstance(ex, QueryError):
        if ex.param is not None:
            extra["param"] = ex.param
        if ex.position is not None:
            extra["position"] = ex.position
    # Worth retrying: a busy writer, an index being replaced. Not: a schema
    # mismatch or a missing extractor, which need an operator.
    permanent = isinstance(ex, SchemaMismatchError | ExtractorUnavailableError)
    headers = (
        {"Retry-After": str(RETRY_AFTER_LOCKED)}
        if status == falcon.HTTP_503 and not permanent
        else None
    )
    if status == falcon.HTTP_500:
        logger.error("unexpected search error on %s %s: %s", req.method, req.path, ex)
    raise APIError(
        status, title=title, description=ex.message, headers=headers, extra=extra
    )


def serialize_error(
    req: falcon.Request, resp: falcon.Response, exception: falcon.HTTPError
) -> None:
    """Write every error as JSON ``{"title", "description", ...}`` whatever is asked."""
    body = dict(exception.to_dict())
    if not body.get("description"):
        if exception.status_code == 404:
            body["description"] = (
                f"no resource at {req.path}; the API is described at /openapi.json"
            )
        elif exception.status_code == 405:
            body["description"] = f"{req.method} is not allowed on {req.path}"
        else:
            body["description"] = str(body.get("title") or exception.status)
    resp.data = json.dumps(body).encode("utf-8")
    resp.content_type = falcon.MEDIA_JSON


def configure_logging(config: Config) -> None:
    """Send the service log (with the access log) to stderr at the configured level."""
    logging.basicConfig(
        level=config.log_level_number(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("search").setLevel(config.log_level_number())


def open_engine(config: Config) -> Engine:
    """Open the search engine over the configured index.

    Raises:
        IndexUnavailableError: The index cannot be opened.
        SchemaMismatchError: It was built with another schema.
    """
    from search.engine import SearchEngine

    engine: Engine = SearchEngine(
        config.index,
        cache_size=config.cache_size,
        time_limit=config.time_limit,
        writer_timeout=config.writer_timeout,
        refresh_interval=config.refresh_interval,
    )
    return engine


def create_app(
    config: Config | None = None,
    *,
    engine: Engine | None = None,
    stats: Stats | None = None,
) -> falcon.App[falcon.Request, falcon.Response]:
    """Build the WSGI application.

    Args:
        config: Settings; read from ``os.environ`` (and logging configured) when None.
        engine: The search engine; opened over ``config.index`` when None.
        stats: The process's metrics (a fresh ``Stats`` when None).

    Returns:
        The Falcon app.

    Raises:
        ConfigError: A setting is invalid.
        IndexUnavailableError: The index cannot be opened.
    """
    if config is None:
        config = Config.from_env(os.environ)
        configure_logging(config)
    config.validate(check_index=engine is None)
    if engine is None:
        engine = open_engine(config)
    stats = stats or Stats()

    middleware: list[Any] = [RawPathMiddleware(), RequestLogMiddleware(stats)]
    any_origin = config.cors_origins == ("*",)
    if config.cors_origins:
        middleware.append(
            falcon.CORSMiddleware(
                allow_origins="*" if any_origin else list(config.cors_origins),
                expose_headers=["Location", "Retry-After", "Server-Timing"],
            )
        )
    # Responses differ by Origin only when specific origins are allowed.
    middleware.append(
        CacheControlMiddleware(vary_origin=bool(config.cors_origins) and not any_origin)
    )
    app = falcon.App(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    app.set_error_serializer(serialize_error)
    app.add_error_handler(SearchError, handle_search_error)

    max_age = config.cache_max_age
    app.add_route("/search", SearchResource(engine, stats, max_age))
    app.add_route("/suggest", SuggestResource(engine, stats, max_age))
    app.add_route("/documents/{doc_id}", DocumentResource(engine, config))
    app.add_route("/documents/{doc_id}/related", RelatedResource(engine, config))
    app.add_route("/health", HealthResource(engine))
    app.add_route("/stats", StatsResource(engine, stats))
    app.add_route("/openapi.json", OpenAPIResource())
    page.add_routes(app, config)
    return app
