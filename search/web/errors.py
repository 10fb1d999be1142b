"""Domain errors -> HTTP, in one table, and the one JSON error body of every error."""

from __future__ import annotations

import json
import logging
from typing import Any

import falcon

from search.errors import (
    DocumentNotFoundError,
    ExtractionError,
    ExtractorUnavailableError,
    IndexUnavailableError,
    InvalidDocumentError,
    QueryError,
    ReadOnlyIndexError,
    SchemaMismatchError,
    SearchError,
    UnknownFacetError,
)
from search.settings import InvalidSettingsError
from search.store.errors import IndexLockedError

logger = logging.getLogger(__name__)

#: Seconds a client should wait before retrying a write that met a locked index.
RETRY_AFTER_LOCKED = 2

#: Domain error -> (HTTP status, title), most specific classes first.
ERROR_TABLE: tuple[tuple[type[SearchError], str, str], ...] = (
    (UnknownFacetError, falcon.HTTP_400, "Unknown facet"),
    (QueryError, falcon.HTTP_400, "Invalid parameter"),
    (ExtractionError, falcon.HTTP_422, "Page not extractable"),
    (InvalidDocumentError, falcon.HTTP_400, "Invalid document"),
    (InvalidSettingsError, falcon.HTTP_400, "Invalid settings"),
    (DocumentNotFoundError, falcon.HTTP_404, "Document not found"),
    (ReadOnlyIndexError, falcon.HTTP_405, "Read-only replica"),
    (IndexLockedError, falcon.HTTP_503, "Index busy"),
    (SchemaMismatchError, falcon.HTTP_503, "Index schema mismatch"),
    (IndexUnavailableError, falcon.HTTP_503, "Index unavailable"),
    (ExtractorUnavailableError, falcon.HTTP_503, "Extractor unavailable"),
    (SearchError, falcon.HTTP_500, "Search error"),
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
    headers: dict[str, str] | None = None
    if status == falcon.HTTP_503 and not permanent:
        headers = {"Retry-After": str(RETRY_AFTER_LOCKED)}
    elif isinstance(ex, ReadOnlyIndexError):
        headers = {"Allow": "GET, HEAD"}
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
