"""Falcon resources of ``/documents/{id}``: read, related posts, and the CMS write hook.

Document ids may be URLs. Clients percent-encode them as one path segment
(``/documents/https%3A%2F%2Fexample.org%2Fa``);
``search.web.middleware.RawPathMiddleware`` routes on the still-encoded path and
``decode_id`` decodes the segment here.

An HTML body of ``PUT`` is turned into a fielded document by the indexer's extractor
run as a subprocess (the search package never imports the indexer or bs4).
"""

from __future__ import annotations

import codecs
import json
import re
import subprocess
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import falcon

from search import schema
from search.config import Config
from search.errors import (
    ExtractionError,
    ExtractorUnavailableError,
    InvalidDocumentError,
    QueryError,
    SearchError,
)
from search.web.apischemas import HTML_START
from search.web.auth import Authenticator
from search.web.params import date_param, int_param, set_cache
from search.web.resources import DEFAULT_RELATED_LIMIT, MAX_RELATED_LIMIT, Engine

_HTML_START = re.compile(HTML_START)
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def looks_like_html(body: bytes) -> bool:
    """Whether ``body`` begins like an HTML page (``apischemas.HTML_START``)."""
    head = body[:1024]
    for bom, encoding in _UTF16_BOMS:
        if head.startswith(bom):
            return bool(_HTML_START.match(head[2:].decode(encoding, "ignore")))
    return bool(_HTML_START.match(head.decode("utf-8", "ignore")))


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
JSON_TYPES = frozenset({"application/json"})
#: ``source`` of documents written through the API (unless the body names one); it
#: lies under no folder, so ``analysis-search index --prune`` never removes them.
API_SOURCE = "api"


def decode_id(req: falcon.Request, segment: str) -> str:
    """The document id of a path segment.

    Args:
        req: The request (``req.context.raw_path`` says whether the segment is
            still percent-encoded).
        segment: The ``{doc_id}`` field value.

    Returns:
        The id with percent-escapes decoded as UTF-8.

    Raises:
        QueryError: The id is not UTF-8 or not a valid id (``schema.check_id``).
    """
    doc_id = segment
    if getattr(req.context, "raw_path", False):
        try:
            raw = segment.encode("latin-1")  # WSGI tunnels bytes as latin-1
        except UnicodeEncodeError:
            raw = segment.encode("utf-8")
        try:
            doc_id = unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise QueryError(
                "the document id is not percent-encoded UTF-8", param="doc_id"
            ) from None
    try:
        return schema.check_id(doc_id)
    except ValueError as exc:
        raise QueryError(f"invalid document id: {exc}", param="doc_id") from None


def document_path(doc_id: str) -> str:
    """The URL path of a document (the id percent-encoded as one segment)."""
    return "/documents/" + quote(doc_id, safe="")


def extract_html(command: Sequence[str], html: bytes, timeout: float) -> dict[str, Any]:
    """Run the extract command on one page and return its fielded document.

    Args:
        command: Program and arguments; the page goes to stdin, one JSON document
            line is read from stdout.
        html: The page's bytes.
        timeout: Seconds the command may run.

    Returns:
        The document the extractor printed.

    Raises:
        ExtractionError: The extractor rejected the page (its reason is kept),
            timed out or printed no JSON object.
        ExtractorUnavailableError: The command cannot be started.
    """
    try:
        proc = subprocess.run(
            list(command),
            input=html,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError(f"extraction took longer than {timeout:g} s") from None
    except OSError as exc:
        raise ExtractorUnavailableError(
            f"the extract command cannot be run: {exc}"
        ) from exc
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    lines = [ln for ln in proc.stdout.decode("utf-8", "replace").splitlines() if ln]
    if proc.returncode != 0 or not lines:
        reason = stderr.splitlines()[-1] if stderr else "no document was extracted"
        raise ExtractionError(f"the page could not be extracted: {reason}")
    try:
        doc = json.loads(lines[0])
    except ValueError as exc:
        raise ExtractionError(f"the extractor printed invalid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ExtractionError("the extractor printed no JSON object")
    return doc


def read_body(req: falcon.Request, limit: int) -> bytes:
    """A request's body, refused with a 413 when it is over ``limit`` bytes."""
    length = req.content_length
    if length is not None and length > limit:
        raise falcon.HTTPContentTooLarge(
            description=f"the body is {length} bytes; at most {limit} are accepted"
        )
    body: bytes = req.bounded_stream.read(limit + 1)
    if len(body) > limit:
        raise falcon.HTTPContentTooLarge(description=f"the body is over {limit} bytes")
    return body


def json_object(body: bytes, error: type[SearchError]) -> dict[str, Any]:
    """A body parsed as one JSON object; anything else raises ``error`` (a 400)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise error(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise error("the body is not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise error("the body must be a JSON object")
    return data


class DocumentResource:
    """``GET``, ``PUT`` and ``DELETE /documents/{doc_id}``."""

    def __init__(self, engine: Engine, config: Config, auth: Authenticator) -> None:
        self.engine = engine
        self.config = config
        self.auth = auth

    def on_get(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """Return the stored document (404 when absent)."""
        resp.media = self.engine.get_document(decode_id(req, doc_id))
        set_cache(resp, self.config.cache_max_age)

    def on_put(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """Create or replace the document from an HTML page or a JSON document."""
        self.engine.ensure_writable()
        self.auth.require(req)
        doc_id = decode_id(req, doc_id)
        doc = self._read_document(req, doc_id)
        created = self.engine.put_document(doc)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_200
        if created:
            resp.location = document_path(doc_id)
        resp.media = {
            "id": doc_id,
            "created": created,
            "document": self.engine.get_document(doc_id),
        }

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, doc_id: str
    ) -> None:
        """Delete the document (404 when absent)."""
        self.engine.ensure_writable()
        self.auth.require(req)
        self.engine.delete_document(decode_id(req, doc_id))
        resp.status = falcon.HTTP_204

    def _read_document(self, req: falcon.Request, doc_id: str) -> dict[str, Any]:
        media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in HTML_TYPES | JSON_TYPES:
            raise falcon.HTTPUnsupportedMediaType(
                description="send the article as text/html or a fielded document as "
                f"application/json, not {media_type or 'no Content-Type'!r}"
            )
        body = read_body(req, self.config.max_body_bytes)
        if not body.strip():
            raise InvalidDocumentError("the request body is empty")
        if media_type in HTML_TYPES:
            if not looks_like_html(body):
                raise InvalidDocumentError(
                    "the body is not an HTML page: it does not begin with markup "
                    "(a fielded document is sent as application/json)"
                )
            doc = extract_html(
                self.config.extract_command, body, self.config.extract_timeout
            )
        else:
            doc = json_object(body, InvalidDocumentError)
            unknown = sorted(set(doc) - set(schema.DOCUMENT_KEYS))
            if unknown:  # a misspelt field would otherwise be dropped silently
                raise InvalidDocumentError(
                    f"unknown field {unknown[0]!r}; a document has the fields "
                    + ", ".join(schema.DOCUMENT_KEYS)
                )
            body_id = doc.get("id")
            if body_id not in (None, "", doc_id):
                raise InvalidDocumentError(
                    f"the body's id {body_id!r} differs from the id in the path"
                )
        doc["id"] = doc_id
        if doc.get("source") in (None, "", "-"):
            doc["source"] = API_SOURCE
        if not doc.get("url") and doc_id.startswith(("http://", "https://")):
            doc["url"] = doc_id
        return doc


class RelatedResource:
    """``GET /documents/{doc_id}/related``: related posts for editors."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine = engine
        self.config = config

    def on_get(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """More-like-this on body, title and shared tags; the document excluded."""
        doc_id = decode_id(req, doc_id)
        limit = int_param(
            req,
            "limit",
            default=DEFAULT_RELATED_LIMIT,
            min_value=1,
            max_value=MAX_RELATED_LIMIT,
        )
        hits = self.engine.related(
            doc_id, limit=limit, date_from=date_param(req, "from")
        )
        resp.media = {"id": doc_id, "hits": [h.to_dict() for h in hits]}
        set_cache(resp, self.config.cache_max_age)
