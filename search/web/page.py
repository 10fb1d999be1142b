"""The reader's search page: ``/``, ``/opensearch.xml`` and ``/static/`` files.

The page is plain HTML, CSS and JavaScript shipped in ``search/web/static/`` (no build
step, no CDN, no external fonts), so it works offline and on an intranet. The HTML is
a small template: this module fills in the mount point and a content hash per asset
(``?v=...``) so the static files can be cached for a long time and still change on
upgrade.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import Any

import falcon

from search.config import DEFAULT_SITE_NAME, Config

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE = "index.html"
#: Files referenced from the page whose content hash goes into their URL.
VERSIONED_ASSETS = ("search.css", "search.js", "favicon.svg")

#: Assets change only with a new release, and their URLs carry a content hash.
STATIC_CACHE_CONTROL = "public, max-age=86400"
#: The page itself is revalidated on every visit so new asset hashes are picked up.
PAGE_CACHE_CONTROL = "no-cache"
#: Nothing but the service's own scripts, styles and API run on the page.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
OPENSEARCH_MEDIA_TYPE = "application/opensearchdescription+xml"
STATIC_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def _asset_versions(static_dir: Path) -> dict[str, str]:
    """Short content hashes of the versioned assets (missing files are skipped)."""
    versions = {}
    for name in VERSIONED_ASSETS:
        path = static_dir / name
        if path.is_file():
            versions[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return versions


class SearchPage:
    """``GET /``: the search page, rendered from ``static/index.html``."""

    def __init__(self, template: str, versions: dict[str, str], site_name: str) -> None:
        # Everything but the mount point is known at start-up: fill it in once.
        for name, version in versions.items():
            template = template.replace("{{v:" + name + "}}", version)
        self._template = template.replace(
            "{{site_name}}", html.escape(site_name, quote=True)
        )

    def render(self, root: str) -> str:
        """The page for an app mounted at ``root`` ("" at the server's root)."""
        return self._template.replace("{{root}}", html.escape(root, quote=True))

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Serve the page (its state lives in the query string, read by the script)."""
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = [PAGE_CACHE_CONTROL]
        resp.set_header("Content-Security-Policy", PAGE_CSP)
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("X-Frame-Options", "DENY")  # browsers before CSP 2
        resp.set_header("Referrer-Policy", "same-origin")
        resp.text = self.render(req.root_path)

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Same headers as ``GET``."""
        self.on_get(req, resp)


def opensearch_description(prefix: str, site_name: str) -> str:
    """The OpenSearch 1.1 description document for a service at ``prefix``.

    Args:
        prefix: Scheme, host and mount point, e.g. ``http://127.0.0.1:8080``.
        site_name: Short name browsers show for the search engine.

    Returns:
        The XML text.
    """

    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    name = html.escape(site_name[:16], quote=False)
    what = (
        "Search the articles"
        if site_name == DEFAULT_SITE_NAME
        else f"Search the articles of {site_name}"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/"'
        ' xmlns:moz="http://www.mozilla.org/2006/browser/search/">\n'
        f"  <ShortName>{name}</ShortName>\n"
        f"  <Description>{html.escape(what, quote=False)}</Description>\n"
        "  <InputEncoding>UTF-8</InputEncoding>\n"
        f'  <Image type="image/svg+xml">{attr(prefix)}/static/favicon.svg</Image>\n'
        '  <Url type="text/html" method="get"'
        f' template="{attr(prefix)}/?q={{searchTerms}}"/>\n'
        '  <Url type="application/x-suggestions+json" method="get"'
        f' template="{attr(prefix + "/suggest?q={searchTerms}&format=opensearch")}"/>\n'
        f'  <Url type="{OPENSEARCH_MEDIA_TYPE}" rel="self"'
        f' template="{attr(prefix)}/opensearch.xml"/>\n'
        f"  <moz:SearchForm>{attr(prefix)}/</moz:SearchForm>\n"
        "</OpenSearchDescription>\n"
    )


class OpenSearchResource:
    """``GET /opensearch.xml``: absolute URLs built from the request's host."""

    def __init__(self, site_name: str) -> None:
        self._site_name = site_name

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Serve the description document."""
        resp.content_type = OPENSEARCH_MEDIA_TYPE
        resp.cache_control = ["public", "max-age=3600"]
        resp.vary = ["Host"]
        resp.text = opensearch_description(req.prefix, self._site_name)

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Same headers as ``GET``."""
        self.on_get(req, resp)


class StaticCacheMiddleware:
    """Adds ``Cache-Control`` and ``nosniff`` to successful ``/static/`` responses.

    Falcon's static route already answers with ``ETag``/``Last-Modified`` and 304s.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix.rstrip("/") + "/"

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        """Set the caching headers on static files."""
        if req_succeeded and req.path.startswith(self._prefix):
            resp.cache_control = [STATIC_CACHE_CONTROL]
            resp.set_header("X-Content-Type-Options", "nosniff")


def add_routes(app: falcon.App[Any, Any], config: Config) -> None:
    """Add the search page's routes to ``app``.

    Args:
        app: The service's Falcon app (``search.web.app.create_app`` calls this).
        config: The service configuration; ``site_name`` names the site in the
            page title and the OpenSearch description.
    """
    site_name = config.site_name.strip()
    template = (STATIC_DIR / TEMPLATE).read_text(encoding="utf-8")
    app.add_route("/", SearchPage(template, _asset_versions(STATIC_DIR), site_name))
    app.add_route("/opensearch.xml", OpenSearchResource(site_name))
    app.resp_options.static_media_types.update(STATIC_MEDIA_TYPES)
    app.add_static_route("/static", STATIC_DIR)
    app.add_middleware(StaticCacheMiddleware("/static"))
