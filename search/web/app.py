"""The Falcon application factory: routes and middleware.

``create_app(config)`` builds everything and does no I/O at import time.
``waitress-serve --call search.web.app:create_app`` calls it with no arguments, in which
case the configuration is read from the ``ANALYSIS_SEARCH_*`` environment variables.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import falcon

from search.config import Config
from search.errors import SearchError
from search.settings import SettingsFile
from search.web import page
from search.web.auth import Authenticator
from search.web.documents import DocumentResource, RelatedResource
from search.web.editorial import SettingsResource
from search.web.errors import handle_search_error, serialize_error
from search.web.metrics import Stats
from search.web.middleware import (
    CacheControlMiddleware,
    RawPathMiddleware,
    RequestLogMiddleware,
)
from search.web.resources import (
    Engine,
    HealthResource,
    OpenAPIResource,
    SearchResource,
    StatsResource,
    SuggestResource,
)

logger = logging.getLogger(__name__)


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
    from search.settings import SettingsFile

    engine: Engine = SearchEngine(
        config.index,
        cache_size=config.cache_size,
        time_limit=config.time_limit,
        writer_timeout=config.writer_timeout,
        refresh_interval=config.refresh_interval,
        read_only=config.read_only,
        settings=SettingsFile(config.settings_path()),
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
    auth = Authenticator(config)
    app.add_route("/search", SearchResource(engine, stats, max_age))
    app.add_route("/suggest", SuggestResource(engine, stats, max_age))
    app.add_route("/documents/{doc_id}", DocumentResource(engine, config, auth))
    app.add_route("/documents/{doc_id}/related", RelatedResource(engine, config))
    app.add_route("/health", HealthResource(engine))
    app.add_route("/stats", StatsResource(engine, stats, auth))
    if engine.settings_file is None:  # an engine made without one (tests)
        engine.settings_file = SettingsFile(config.settings_path())
    app.add_route(
        "/settings", SettingsResource(engine, config, auth, engine.settings_file)
    )
    app.add_route("/openapi.json", OpenAPIResource())
    page.add_routes(app, config)
    return app
