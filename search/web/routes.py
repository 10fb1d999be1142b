"""The service's routes, named once: the app mounts them, the metrics count them."""

from __future__ import annotations

#: Routes of the JSON API.
API_ROUTES: tuple[str, ...] = (
    "/search",
    "/suggest",
    "/documents/{doc_id}",
    "/documents/{doc_id}/related",
    "/health",
    "/stats",
    "/settings",
    "/openapi.json",
)
#: Routes of the search page (``search.web.page``).
PAGE_ROUTES: tuple[str, ...] = ("/", "/opensearch.xml", "/static")
