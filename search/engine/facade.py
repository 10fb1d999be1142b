"""The search engine facade: ranked, filtered, faceted search over one Whoosh index.

``SearchEngine`` is what the HTTP layer (and the ``query`` command) call. It is
thread-safe: every thread gets its own Whoosh searcher (``searchers``), replaced
by a fresh one between requests when the index changed on disk. Everything that
depends only on the index contents (facet bitsets, term scores, the word list,
titles, related posts) is computed once per index generation and shared by the
threads (``generations``); one request is answered by ``run.RequestRun``. Writes
go through the store's one commit helper (``search.store.writing``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from search import schema
from search.cache import LRUCache
from search.engine.related import related_hits
from search.engine.run import RequestRun
from search.engine.searchers import Searchers
from search.engine.suggest import suggest
from search.errors import (
    DocumentNotFoundError,
    InvalidDocumentError,
    ReadOnlyIndexError,
)
from search.models import Hit, SearchRequest, SearchResult, Suggestion
from search.settings import EMPTY as EMPTY_SETTINGS
from search.settings import Settings, SettingsFile
from search.store.index import latest_generation
from search.store.merging import merge_tiny
from search.store.writing import committing_writer

#: Longest prefix ``suggest`` looks up (longer ones get no suggestions).
MAX_SUGGEST_PREFIX = 200
#: Most related posts of one document.
MAX_RELATED = 50


class SearchEngine:
    """Ranked, faceted, typo-tolerant search over an index folder."""

    #: The editors' settings file (None: no settings).
    settings_file: SettingsFile | None = None

    def __init__(
        self,
        index_dir: Path,
        *,
        cache_size: int = 512,
        time_limit: float = 2.0,
        writer_timeout: float = 5.0,
        refresh_interval: float = 0.5,
        read_only: bool = False,
        settings: SettingsFile | None = None,
    ) -> None:
        """Open the index.

        Args:
            index_dir: The index folder, or a symlink to one (switching the link to
                another folder switches the engine to it).
            cache_size: Result pages kept in memory (0: none).
            time_limit: Seconds after which a search is answered as partial.
            writer_timeout: Seconds a write waits for the index lock.
            refresh_interval: Seconds between checks for a new generation even when
                the folder looks unchanged.
            read_only: Refuse writes (a replica serving a snapshot).
            settings: The editors' settings (pinned results, hidden articles),
                re-read when their file changes (None: none).

        Raises:
            IndexUnavailableError: No index in ``index_dir``.
            SchemaMismatchError: The index was built with another schema.
        """
        self.index_dir = Path(index_dir)
        self.time_limit = time_limit
        self.writer_timeout = writer_timeout
        self.read_only = read_only
        self._searchers = Searchers(self.index_dir, refresh_interval)
        self._cache: LRUCache[SearchResult] = LRUCache(cache_size)
        self.settings_file = settings

    def settings(self) -> Settings:
        """The editors' settings in force now."""
        return (
            EMPTY_SETTINGS
            if self.settings_file is None
            else self.settings_file.current()
        )

    # --- search ---------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        """Run a search.

        Args:
            request: The search (validated when it was made).

        Raises:
            QueryError: A raw query cannot be parsed or run.
            IndexUnavailableError: The index cannot be read.
        """
        started = time.perf_counter()
        searcher, opened = self._searchers.current()
        state = opened.generations.of(searcher)
        settings = self.settings()
        key = (opened.epoch, state.generation, settings.version, request)
        cached = self._cache.get(key)
        if cached is not None:
            took = (time.perf_counter() - started) * 1000
            return dataclasses.replace(cached, took_ms=took)
        result = RequestRun(
            searcher, state, request, started, self.time_limit, settings
        ).run()
        self._cache.put(key, result)
        return result

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Completions for a search box: matching titles and frequent words."""
        if len(prefix) > MAX_SUGGEST_PREFIX or limit <= 0:
            return []
        searcher, opened = self._searchers.current()
        state = opened.generations.of(searcher)
        vocab = state.vocab(searcher.reader())
        titles = opened.generations.titles(state, searcher)
        return suggest(prefix, limit, vocab, titles, self.settings().hidden)

    # --- documents ------------------------------------------------------------------
    def get_document(self, doc_id: str) -> dict[str, Any]:
        """One stored document.

        Raises:
            DocumentNotFoundError: No document has this id.
        """
        searcher, _ = self._searchers.current()
        stored = searcher.document(**{schema.ID_FIELD: doc_id})
        if stored is None:
            raise DocumentNotFoundError(doc_id)
        return schema.stored_to_document(stored)

    def related(
        self, doc_id: str, limit: int = 5, date_from: date | None = None
    ) -> list[Hit]:
        """Documents like ``doc_id`` (itself excluded), best first.

        Raises:
            DocumentNotFoundError: No document has this id.
        """
        searcher, opened = self._searchers.current()
        state = opened.generations.of(searcher)
        docnum = searcher.document_number(**{schema.ID_FIELD: doc_id})
        if docnum is None:
            raise DocumentNotFoundError(doc_id)
        limit = max(1, min(limit, MAX_RELATED))
        settings = self.settings()
        key = (doc_id, limit, date_from, settings.version)
        cached = state.related.get(key)
        if cached is not None:
            return cached
        allowed = state.facets.live & ~state.hidden_bits(searcher, settings.hidden)
        if date_from is not None:
            allowed &= state.facets.date_bits(date_from, None)
        hits = related_hits(searcher, state.terms, state.facets, docnum, limit, allowed)
        state.related.put(key, hits)
        return hits

    # --- writes ---------------------------------------------------------------------
    def put_document(self, doc: Mapping[str, Any]) -> bool:
        """Add or replace a document; committed and searchable on return.

        Returns:
            True when the document is new, False when it replaced one.

        Raises:
            InvalidDocumentError: The document is invalid.
            ReadOnlyIndexError: The engine serves a read-only snapshot.
            IndexLockedError: The write lock was not obtained in time.
        """
        try:
            fields = schema.to_index_fields(doc)
        except ValueError as exc:
            raise InvalidDocumentError(str(exc)) from exc
        doc_id = fields[schema.ID_FIELD]
        with self._writing() as writer:
            # the writer's own cached searcher: closing it would make the
            # writer's delete-before-update silently find nothing
            found = writer.searcher().document_number(**{schema.ID_FIELD: doc_id})
            writer.update_document(**fields)
        return found is None

    def delete_document(self, doc_id: str) -> None:
        """Delete a document; committed on return.

        Raises:
            DocumentNotFoundError: No document has this id.
            ReadOnlyIndexError: The engine serves a read-only snapshot.
            IndexLockedError: The write lock was not obtained in time.
        """
        with self._writing() as writer:
            if not writer.delete_by_term(schema.ID_FIELD, doc_id):
                raise DocumentNotFoundError(doc_id)

    def ensure_writable(self) -> None:
        """Check that writes are accepted here, before any work is done for one.

        Raises:
            ReadOnlyIndexError: The engine serves a read-only snapshot.
        """
        if self.read_only:
            raise ReadOnlyIndexError(str(self.index_dir))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Any]:
        """A writer committed on leaving (cancelled on an error); every thread's
        next search then sees the new generation.

        Raises:
            ReadOnlyIndexError: The engine serves a read-only snapshot.
            IndexLockedError: The write lock was not obtained in time.
        """
        self.ensure_writable()
        ix = self._searchers.opened.ix
        # API writes merge only tiny segments: a merge here would hold the GIL
        # that this worker's searches need (search.store.merging)
        with committing_writer(
            ix, timeout=self.writer_timeout, mergetype=merge_tiny
        ) as writer:
            yield writer
        self._searchers.written(latest_generation(ix))

    # --- status ---------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "documents": n}``."""
        searcher, _ = self._searchers.current()
        return {"status": "ok", "documents": searcher.doc_count()}

    def index_stats(self) -> dict[str, Any]:
        """Documents, index size on disk, last update, generation and segments."""
        searcher, _ = self._searchers.current()
        size = 0
        newest = 0.0
        for path in self.index_dir.iterdir():
            if path.is_file():
                st = path.stat()
                size += st.st_size
                newest = max(newest, st.st_mtime)
        reader = searcher.reader()
        segments = len(getattr(reader, "readers", None) or [reader])
        return {
            "documents": searcher.doc_count(),
            "index_bytes": size,
            "last_update": (
                schema.format_datetime(datetime.fromtimestamp(newest, UTC))
                if newest
                else None
            ),
            "generation": reader.generation(),
            "segments": segments,
        }

    def close(self) -> None:
        """Close every thread's searcher and the index (no searches may be running)."""
        self._searchers.close()
