"""Editors' relevance settings: synonyms, pinned results and hidden articles, in one
JSON file.

The file (``settings.json`` in the index folder by default, so it travels with
snapshots) looks like::

    {"synonyms": {"eu": ["european union"], "european union": ["eu"]},
     "pinned": {"ukraine war": ["<id>", "<id>"]}, "hidden": ["<id>"]}

* ``synonyms`` (as in Meilisearch): words a reader may type -> words also searched
  for them; a two-way group lists both directions. Either side may have several
  words; words are compared as the ``spell`` field holds them (case and accents
  folded), and the added words are analysed like the reader's own.
* ``pinned``: a query -> the ids shown first for it, in order (when they pass the
  request's filters). Queries are compared normalised: case and accents folded,
  punctuation dropped, word order ignored ("War, Ukraine" is "ukraine war").
* ``hidden``: ids never shown in search results, suggestions or related posts
  (retractions, duplicates); they stay in the index.

``SettingsFile`` reads and validates the file (errors name the file, the line and
what is wrong), notices when it changes (every process looks at the file's
modification time and size before each request, a ``stat`` of a few microseconds,
and re-reads it when they change), and writes it atomically.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.errors import SearchError
from search.schema import check_id, spell_analyzer

logger = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
#: Keys of the settings object.
KEYS = ("synonyms", "pinned", "hidden")
#: Limits: pinned queries, ids per pinned query, hidden ids, a query's length.
MAX_PINNED_QUERIES = 10_000
MAX_PINNED_IDS = 100
MAX_HIDDEN = 100_000
MAX_QUERY_CHARS = 512
#: Limits of synonyms: keys, and synonyms of one key (each side is text of 1 to
#: ``MAX_QUERY_CHARS`` characters).
MAX_SYNONYM_KEYS = 10_000
MAX_SYNONYMS = 50


class InvalidSettingsError(SearchError):
    """The settings (a request body or the file) are invalid: a 400, or a
    refusal to start.

    Attributes:
        near: A JSON key near the fault (to find its line in a file), if any.
    """

    exit_code = 2

    def __init__(self, message: str, near: str | None = None) -> None:
        super().__init__(message)
        self.near = near


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated settings."""

    #: Words as written -> synonyms as written.
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Folded words -> the folded word sequences added (built from ``synonyms``).
    synonym_words: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = field(
        default_factory=dict
    )
    #: Query as written -> ids, in order.
    pinned: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    #: Normalised query -> ids (built from ``pinned``).
    pinned_by_key: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Which reading of the file these are (caches are keyed by it).
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (as ``GET /settings`` answers and the file holds)."""
        return {
            "synonyms": {w: list(syn) for w, syn in self.synonyms.items()},
            "pinned": {q: list(ids) for q, ids in self.pinned.items()},
            "hidden": sorted(self.hidden),
        }

    def pinned_for(self, query: str) -> tuple[str, ...]:
        """The ids pinned for a reader's query (none: ``()``)."""
        if not self.pinned_by_key:
            return ()
        return self.pinned_by_key.get(query_key(query), ())


EMPTY = Settings()


_SPELL = spell_analyzer()


def query_key(query: str) -> str:
    """A query normalised for pinning: folded words (as the ``spell`` field's),
    sorted."""
    return " ".join(sorted(t.text for t in _SPELL(query)))


def parse_settings(data: object, where: str = "settings") -> Settings:
    """Validate a settings object (``null`` values mean absent).

    Raises:
        InvalidSettingsError: Naming the key at fault.
    """
    if not isinstance(data, dict):
        raise InvalidSettingsError(f"{where}: must be a JSON object")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InvalidSettingsError(
            f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(KEYS)})",
            unknown[0],
        )
    pinned_raw = data.get("pinned")
    hidden_raw = data.get("hidden")
    pinned: dict[str, tuple[str, ...]] = {}
    by_key: dict[str, tuple[str, ...]] = {}
    if pinned_raw is not None:
        checked_pinned = _mapping(pinned_raw, "pinned", MAX_PINNED_QUERIES, where)
        for query, ids in checked_pinned.items():
            label = f"{where}: pinned[{query!r}]"
            if not 1 <= len(query) <= MAX_QUERY_CHARS:
                raise InvalidSettingsError(
                    f"{label}: a query has 1 to {MAX_QUERY_CHARS} characters", query
                )
            checked = tuple(dict.fromkeys(_ids(ids, label, MAX_PINNED_IDS, query)))
            pinned[query] = checked
            key = query_key(query)
            if key:  # a query of no words is kept but matches nothing
                by_key[key] = checked  # of two that normalise alike, the last
    hidden: frozenset[str] = frozenset()
    if hidden_raw is not None:
        hidden = frozenset(_ids(hidden_raw, f"{where}: hidden", MAX_HIDDEN, "hidden"))
    synonyms, synonym_words = _synonyms(data.get("synonyms"), where)
    return Settings(
        synonyms=synonyms,
        synonym_words=synonym_words,
        pinned=pinned,
        hidden=hidden,
        pinned_by_key=by_key,
    )


def _mapping(raw: object, name: str, limit: int, where: str) -> dict[str, Any]:
    """The JSON object of the setting ``name``, of at most ``limit`` entries.

    Raises:
        InvalidSettingsError: It is no object, or too large.
    """
    if not isinstance(raw, dict):
        raise InvalidSettingsError(f"{where}: {name} must be an object", name)
    if len(raw) > limit:
        raise InvalidSettingsError(
            f"{where}: {name} holds more than {limit} entries", name
        )
    return raw


def _words(text: object, label: str, near: str) -> tuple[str, ...]:
    """The folded words of one side of a synonym."""
    if not isinstance(text, str):
        raise InvalidSettingsError(f"{label}: must be a string", near)
    if not 1 <= len(text) <= MAX_QUERY_CHARS:
        raise InvalidSettingsError(
            f"{label}: words have 1 to {MAX_QUERY_CHARS} characters", near
        )
    return tuple(t.text for t in _SPELL(text))


def _synonyms(
    raw: object, where: str
) -> tuple[
    dict[str, tuple[str, ...]], dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
]:
    """Validate ``synonyms``: (as written, folded). Keys that fold alike have
    their synonyms combined; a synonym equal to its key, and a side of no words
    (punctuation), are kept as written but change nothing."""
    if raw is None:
        return {}, {}
    raw = _mapping(raw, "synonyms", MAX_SYNONYM_KEYS, where)
    written: dict[str, tuple[str, ...]] = {}
    folded: dict[tuple[str, ...], dict[tuple[str, ...], None]] = {}
    for key, values in raw.items():
        label = f"{where}: synonyms[{key!r}]"
        words = _words(key, label, key)
        if not isinstance(values, list):
            raise InvalidSettingsError(f"{label}: must be a list of strings", key)
        if len(values) > MAX_SYNONYMS:
            raise InvalidSettingsError(
                f"{label}: more than {MAX_SYNONYMS} synonyms", key
            )
        added = folded.setdefault(words, {})
        for i, value in enumerate(values):
            other = _words(value, f"{label}[{i}]", key)
            if other and other != words:
                added[other] = None
        written[key] = tuple(values)
    return written, {w: tuple(a) for w, a in folded.items() if w and a}


def _ids(value: object, label: str, limit: int, near: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidSettingsError(f"{label}: must be a list of document ids", near)
    if len(value) > limit:
        raise InvalidSettingsError(f"{label}: more than {limit} ids", near)
    out = []
    for i, doc_id in enumerate(value):
        if not isinstance(doc_id, str):
            raise InvalidSettingsError(f"{label}[{i}]: an id is a string", near)
        try:
            check_id(doc_id)
        except ValueError as exc:
            raise InvalidSettingsError(f"{label}[{i}]: {exc}", near) from None
        out.append(doc_id)
    return out


def _line_of(text: str, needle: str) -> int:
    """The line of the first occurrence of ``needle`` in ``text`` (1: not found)."""
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def read_settings_file(path: Path) -> Settings:
    """Read and validate a settings file (absent: empty settings).

    Raises:
        InvalidSettingsError: ``FILE:LINE: what is wrong``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return EMPTY
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidSettingsError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSettingsError(
            f"{path}:{exc.lineno}: not JSON: {exc.msg}"
        ) from None
    try:
        return parse_settings(data, "settings")
    except InvalidSettingsError as exc:
        near = json.dumps(exc.near, ensure_ascii=False)[:-1] if exc.near else None
        line = _line_of(text, near) if near else 1
        raise InvalidSettingsError(
            f"{path}:{line}: {exc.message.removeprefix('settings: ')}"
        ) from None


class SettingsFile:
    """The settings of one index, from its file; re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        """Read the file now (an invalid file is an error here, at start).

        Raises:
            InvalidSettingsError: The file is invalid.
        """
        self.path = path
        self._lock = threading.Lock()
        self._stamp = self._mtime()
        self._versions = itertools.count(1)
        self._settings = self._versioned(read_settings_file(path))

    def _versioned(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, version=next(self._versions))

    def _mtime(self) -> tuple[int, int, int] | None:
        """What tells a changed file: its inode (an atomic replace makes a new
        one), modification time and size."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> Settings:
        """The settings, re-read if the file changed (a file made invalid since
        is logged and the previous settings are kept)."""
        stamp = self._mtime()
        if stamp == self._stamp:
            return self._settings
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._settings = self._versioned(read_settings_file(self.path))
                except InvalidSettingsError as exc:
                    logger.error("%s; the previous settings stay in use", exc.message)
        return self._settings

    def write(self, settings: Settings) -> Settings:
        """Replace the file (atomically) and use the new settings at once."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(settings.to_dict(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        os.replace(tmp, self.path)
        with self._lock:
            self._settings = settings = self._versioned(settings)
            self._stamp = self._mtime()
        return settings
