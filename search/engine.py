"""The search engine: ranked, filtered, faceted search over one Whoosh index.

``SearchEngine`` is what the HTTP layer (and the ``query`` command) call. It is
thread-safe: every thread gets its own Whoosh searcher (Whoosh requires it),
replaced by a fresh one between requests when the index changed on disk.
Everything that depends only on the index contents (facet bitsets, term scores,
the word list, titles, related posts, result pages) is computed once per index
generation and shared by the threads (``search.searching.Generation``); raw
postings are kept per segment and survive commits (``search.postings``). A
background thread reads ahead the common terms, words and titles of a new
generation. Writes go through ``search.writing.committing_writer``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from whoosh.index import EmptyIndexError, LockError

from search import schema
from search.cache import LRUCache
from search.errors import (
    DocumentNotFoundError,
    IndexLockedError,
    IndexUnavailableError,
    InvalidDocumentError,
)
from search.index import open_index
from search.models import Hit, SearchRequest, SearchResult, Suggestion
from search.postings import SegmentCache, segment_key
from search.ranking import ReaderBM25F
from search.related import related_hits
from search.searching import Generation, RequestRun
from search.suggest import TitleIndex, suggest
from search.writing import committing_writer

logger = logging.getLogger(__name__)

#: BM25 parameters, tuned on the Cranfield development queries (k1 above the
#: textbook 1.2: repeated words in a field keep counting for longer).
BM25_B = 0.9
BM25_K1 = 3.0


class SearchEngine:
    """Ranked, faceted, typo-tolerant search over an index folder."""

    def __init__(
        self,
        index_dir: Path,
        *,
        cache_size: int = 512,
        time_limit: float = 2.0,
        writer_timeout: float = 5.0,
        refresh_interval: float = 0.5,
    ) -> None:
        """Open the index.

        Raises:
            IndexUnavailableError: No index in ``index_dir``.
            SchemaMismatchError: The index was built with another schema.
        """
        self.index_dir = Path(index_dir)
        self._ix = open_index(self.index_dir)
        self.time_limit = time_limit
        self.writer_timeout = writer_timeout
        self.refresh_interval = refresh_interval
        self._local = threading.local()
        #: Every thread's searcher slot, to close them all in ``close()``.
        self._slots: weakref.WeakSet[_Slot] = weakref.WeakSet()
        self._slots_lock = threading.Lock()
        self._gens: dict[int, Generation] = {}
        self._gens_lock = threading.Lock()
        self._min_generation = -1
        self._cache: LRUCache[SearchResult] = LRUCache(cache_size)
        self._title_builder: threading.Thread | None = None
        self._segments = SegmentCache()
        self._warmer: threading.Thread | None = None
        self._closed = False

    # --- searchers and generations ------------------------------------------------
    def _searcher(self) -> Any:
        """This thread's searcher, refreshed when the index changed.

        Raises:
            IndexUnavailableError: The index cannot be read (its folder vanished).
        """
        if self._closed:
            raise IndexUnavailableError("the search engine is closed")
        try:
            return self._current_searcher()
        except (OSError, EmptyIndexError) as exc:
            raise IndexUnavailableError(
                f"index {str(self.index_dir)!r} cannot be read: {exc}"
            ) from exc

    def _current_searcher(self) -> Any:
        slot: _Slot | None = getattr(self._local, "slot", None)
        now = time.monotonic()
        if slot is None:
            slot = _Slot(self._ix.searcher(weighting=self._weighting()), now)
            self._local.slot = slot
            with self._slots_lock:
                self._slots.add(slot)
        elif (
            now - slot.checked >= self.refresh_interval
            or slot.searcher.reader().generation() < self._min_generation
        ):
            slot.checked = now
            if not slot.searcher.up_to_date():
                # A fresh searcher, not searcher.refresh(): refresh() reuses the
                # segment readers, and a reused reader keeps its old deletions
                # (a replaced or deleted document would still be found).
                fresh = self._ix.searcher(weighting=slot.searcher.weighting)
                slot.replace(fresh)  # the old one is this thread's: nobody shares it
        return slot.searcher

    @staticmethod
    def _weighting() -> ReaderBM25F:
        return ReaderBM25F(B=BM25_B, K1=BM25_K1)

    def _generation(self, searcher: Any) -> Generation:
        gen = searcher.reader().generation()
        state = self._gens.get(gen)
        if state is None:
            with self._gens_lock:
                state = self._gens.get(gen)
                if state is None:
                    state = Generation(gen, searcher, self._segments)
                    if self._gens:
                        newest = self._gens[max(self._gens)]
                        state.previous_vocab = newest._vocab or newest.previous_vocab
                    for old in sorted(self._gens)[:-2]:
                        del self._gens[old]
                    self._gens[gen] = state
                    self._segments.forget(_segment_keys(searcher))
                    self._start_warming()
        return state

    def _start_warming(self) -> None:
        """Read the postings of new segments' common terms in the background."""
        if self._warmer is not None and self._warmer.is_alive():
            return
        self._warmer = threading.Thread(target=self._warm, daemon=True)
        self._warmer.start()

    def _warm(self) -> None:
        try:
            with self._ix.searcher(weighting=self._weighting()) as searcher:
                self._segments.warm(searcher, (schema.BODY, schema.TITLE))
                state = self._gens.get(searcher.reader().generation())
                if state is not None:
                    state.build_vocab(searcher.reader())
                    if state.titles is None:
                        titles = TitleIndex(searcher.reader())
                        with state.lock:
                            state.titles = state.titles or titles
        except Exception:  # a background thread: log it, queries read lazily
            logger.exception("reading ahead the common terms failed")

    # --- search ---------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        """Run a search.

        Raises:
            QueryError: A parameter is invalid or a raw query cannot be parsed.
            UnknownFacetError: ``request.facets`` names an unknown facet.
        """
        request.validate()
        started = time.perf_counter()
        searcher = self._searcher()
        state = self._generation(searcher)
        key = (state.generation, request)
        cached = self._cache.get(key)
        if cached is not None:
            took = (time.perf_counter() - started) * 1000
            return dataclasses.replace(cached, took_ms=took)
        result = RequestRun(searcher, state, request, started, self.time_limit).run()
        self._cache.put(key, result)
        return result

    def count(self, request: SearchRequest) -> int:
        """Number of results of a request (no hits, no facets)."""
        searcher = self._searcher()
        state = self._generation(searcher)
        request.validate()
        run = RequestRun(searcher, state, request, time.perf_counter(), self.time_limit)
        return run.count()

    # --- suggest ----------------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Completions for a search box: matching titles and frequent words."""
        if len(prefix) > 200 or limit <= 0:
            return []
        searcher = self._searcher()
        state = self._generation(searcher)
        vocab = state.vocab(searcher.reader())
        return suggest(prefix, limit, vocab, self._titles(state, searcher))

    def _titles(self, state: Generation, searcher: Any) -> TitleIndex | None:
        if state.titles is not None:
            return state.titles
        with self._gens_lock:
            older = [g for g in self._gens.values() if g.titles is not None]
        if not older:
            with state.lock:
                if state.titles is None:
                    state.titles = TitleIndex(searcher.reader())
            return state.titles
        # serve the previous generation's titles while this one's are built
        with self._gens_lock:
            if self._title_builder is None or not self._title_builder.is_alive():
                self._title_builder = threading.Thread(
                    target=self._build_titles, args=(state,), daemon=True
                )
                self._title_builder.start()
        return max(older, key=lambda g: g.generation).titles

    def _build_titles(self, state: Generation) -> None:
        try:
            with self._ix.searcher() as searcher:
                if searcher.reader().generation() == state.generation:
                    state.titles = TitleIndex(searcher.reader())
        except Exception:  # a background thread: log it, suggest keeps old titles
            logger.exception("building the title suggestions failed")

    # --- documents ------------------------------------------------------------------
    def get_document(self, doc_id: str) -> dict[str, Any]:
        """One stored document.

        Raises:
            DocumentNotFoundError: No document has this id.
        """
        stored = self._searcher().document(**{schema.ID_FIELD: doc_id})
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
        searcher = self._searcher()
        state = self._generation(searcher)
        docnum = searcher.document_number(**{schema.ID_FIELD: doc_id})
        if docnum is None:
            raise DocumentNotFoundError(doc_id)
        limit = max(1, min(limit, 50))
        key = (doc_id, limit, date_from)
        cached = state.related.get(key)
        if cached is not None:
            return cached
        allowed = state.facets.live
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
            IndexLockedError: The write lock was not obtained in time.
        """
        with self._writing() as writer:
            if not writer.delete_by_term(schema.ID_FIELD, doc_id):
                raise DocumentNotFoundError(doc_id)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Any]:
        """A writer committed on leaving (cancelled on an error); every thread's
        next search then sees the new generation.

        Raises:
            IndexLockedError: The write lock was not obtained in time.
        """
        try:
            with committing_writer(self._ix, timeout=self.writer_timeout) as writer:
                yield writer
        except LockError as exc:
            raise IndexLockedError(
                "the index is being written by another process; retry shortly"
            ) from exc
        self._min_generation = self._ix.latest_generation()

    # --- status ---------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "documents": n}``."""
        return {"status": "ok", "documents": self._searcher().doc_count()}

    def index_stats(self) -> dict[str, Any]:
        """Documents, index size on disk, last update, generation and segments."""
        searcher = self._searcher()
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
        self._closed = True
        with self._slots_lock:
            slots = list(self._slots)
        for slot in slots:
            slot.close()
        self._ix.close()


class _Slot:
    """A thread's searcher; closed when replaced, when the engine closes, or when
    the thread ends and its thread-local data is dropped (open files otherwise
    leak until garbage collection)."""

    __slots__ = ("searcher", "checked", "_closed", "__weakref__")

    def __init__(self, searcher: Any, checked: float) -> None:
        self.searcher = searcher
        self.checked = checked
        self._closed = False

    def replace(self, searcher: Any) -> None:
        old = self.searcher
        self.searcher = searcher
        old.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.searcher.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # a finaliser: nothing left to report to
            pass


def _segment_keys(searcher: Any) -> set[str]:
    keys = set()
    for sub, _ in searcher.leaf_searchers():
        key = segment_key(sub.reader())
        if key is not None:
            keys.add(key)
    return keys
