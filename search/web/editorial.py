"""``GET``, ``PUT`` and ``PATCH /settings``: the editors' settings (synonyms, pinned
results, hidden articles), read and written with the write key.

``PUT`` replaces the whole settings, ``PATCH`` the keys it names (``null`` resets
a key), as in Meilisearch. The file is replaced atomically; every worker process
re-reads it before its next request (``search.settings.SettingsFile``).
"""

from __future__ import annotations

from typing import Any

import falcon

from search.config import Config
from search.settings import KEYS, InvalidSettingsError, SettingsFile, parse_settings
from search.web.auth import Authenticator
from search.web.documents import json_object, read_body
from search.web.resources import Engine


class SettingsResource:
    """``/settings``."""

    def __init__(
        self,
        engine: Engine,
        config: Config,
        auth: Authenticator,
        settings: SettingsFile,
    ) -> None:
        self.engine = engine
        self.config = config
        self.auth = auth
        self.settings = settings

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The settings in force (the write key is required: hidden ids are the
        editors' business)."""
        self.auth.require(req)
        resp.media = self.settings.current().to_dict()
        resp.cache_control = ["no-store"]

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Replace the settings."""
        self.engine.ensure_writable()
        self.auth.require(req)
        data = self._read(req)
        resp.media = self.settings.write(parse_settings(data, "body")).to_dict()

    def on_patch(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Replace the keys given (``null``: back to empty), keep the others."""
        self.engine.ensure_writable()
        self.auth.require(req)
        data = self._read(req)
        parse_settings(data, "body")  # the body alone must be valid
        merged = {**self.settings.current().to_dict(), **data}
        merged = {k: v for k, v in merged.items() if k in KEYS}
        resp.media = self.settings.write(parse_settings(merged, "body")).to_dict()

    def _read(self, req: falcon.Request) -> dict[str, Any]:
        media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            raise falcon.HTTPUnsupportedMediaType(
                description="send the settings as application/json, not "
                f"{media_type or 'no Content-Type'!r}"
            )
        body = read_body(req, self.config.max_body_bytes)
        return json_object(body, InvalidSettingsError)
