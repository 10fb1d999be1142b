"""The search engine: ranked, filtered, faceted search over one Whoosh index.

``SearchEngine`` is what the HTTP layer (and the ``query`` command) call. It is
thread-safe: every thread gets its own Whoosh searcher (Whoosh requires it),
refreshed between requests when the index changed on disk. Everything that depends
only on the index contents (facet bitsets, the word list, titles, related posts,
result pages) is computed once per index generation and shared by the threads.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.index import LockError

from search import schema
from search.cache import LRUCache
from search.errors import (
    DocumentNotFoundError,
    IndexLockedError,
    IndexUnavailableError,
    InvalidDocumentError,
    QueryError,
)
from search.facets import FacetIndex, bitmask, bitset, docnums
from search.highlight import Highlighter
from search.index import open_index
from search.models import Hit, SearchRequest, SearchResult, Suggestion
from search.query import (
    BuiltQuery,
    build_plain,
    parse_plain,
    parse_raw,
    query_terms,
)
from search.ranking import (
    PROXIMITY_CANDIDATES,
    PROXIMITY_WEIGHT,
    Collected,
    ReaderBM25F,
    collect,
    coverage,
    proximity,
    recency_factor,
)
from search.bm25f import FieldedTerm
from search.related import key_terms, related_query
from search.suggest import TitleIndex, suggest
from search.vocab import ReaderVocabulary, SpellVocab, correct_words
from search.writing import committing_writer

logger = logging.getLogger(__name__)

#: Pseudo-relevance feedback for long questions: documents and words taken...
PRF_DOCS = 8
PRF_TERMS = 10
#: ...and the weight of those words relative to the reader's.
PRF_WEIGHT = 0.3
#: BM25 parameters (the literature's defaults).
BM25_B = 0.9
BM25_K1 = 3.0
#: Below this many results, a spelling correction is looked for.
DID_YOU_MEAN_BELOW = 3
#: In the fallback, a document must match at least this share of the words...
FALLBACK_MIN_SHARE = 0.0
#: ...and its score is multiplied by (matched / words) ** FALLBACK_COORD.
FALLBACK_COORD = 3.0


@dataclass(slots=True)
class _Filters:
    """Filter bitsets of a request (None: the filter is not set)."""

    by_facet: dict[str, int]
    dates: int | None

    def combined(self, live: int, skip: str | None = None) -> int:
        """Documents passing every filter except the facet ``skip``."""
        bits = live
        for name, fbits in self.by_facet.items():
            if name != skip:
                bits &= fbits
        if self.dates is not None:
            bits &= self.dates
        return bits


class _Generation:
    """What is computed once per index generation, shared by all threads."""

    def __init__(self, generation: int, reader: Any) -> None:
        self.generation = generation
        self.facets = FacetIndex(reader)
        self.lock = threading.Lock()
        self._vocab: SpellVocab | None = None
        self.titles: TitleIndex | None = None
        self.related: LRUCache[list[Hit]] = LRUCache(1024)

    def vocab(self, reader: Any) -> SpellVocab:
        if self._vocab is None:
            with self.lock:
                if self._vocab is None:
                    self._vocab = SpellVocab(reader)
        return self._vocab


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
        self._gens: dict[int, _Generation] = {}
        self._gens_lock = threading.Lock()
        self._min_generation = -1
        self._cache: LRUCache[SearchResult] = LRUCache(cache_size)
        self._title_builder: threading.Thread | None = None
        self._closed = False

    # --- searchers and generations ------------------------------------------------
    def _searcher(self) -> Any:
        """This thread's searcher, refreshed when the index changed."""
        if self._closed:
            raise IndexUnavailableError("the search engine is closed")
        local = self._local
        searcher = getattr(local, "searcher", None)
        now = time.monotonic()
        if searcher is None:
            searcher = self._ix.searcher(weighting=ReaderBM25F(B=BM25_B, K1=BM25_K1))
            local.searcher = searcher
            local.checked = now
        elif (
            now - local.checked >= self.refresh_interval
            or searcher.reader().generation() < self._min_generation
        ):
            local.checked = now
            if not searcher.up_to_date():
                searcher = searcher.refresh()
                local.searcher = searcher
        return searcher

    def _generation(self, searcher: Any) -> _Generation:
        gen = searcher.reader().generation()
        state = self._gens.get(gen)
        if state is None:
            with self._gens_lock:
                state = self._gens.get(gen)
                if state is None:
                    state = _Generation(gen, searcher.reader())
                    for old in sorted(self._gens)[:-2]:
                        del self._gens[old]
                    self._gens[gen] = state
        return state

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
            return _replace_took(cached, took)
        result = _Search(self, searcher, state, request, started).run()
        if not result.partial:
            self._cache.put(key, result)
        return result

    def count(self, request: SearchRequest) -> int:
        """Number of results of a request (no hits, no facets)."""
        searcher = self._searcher()
        state = self._generation(searcher)
        return _Search(self, searcher, state, request, time.perf_counter()).count()

    # --- suggest ----------------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Completions for a search box: matching titles and frequent words."""
        if len(prefix) > 200 or limit <= 0:
            return []
        searcher = self._searcher()
        state = self._generation(searcher)
        vocab = state.vocab(searcher.reader())
        return suggest(prefix, limit, vocab, self._titles(state, searcher))

    def _titles(self, state: _Generation, searcher: Any) -> TitleIndex | None:
        if state.titles is not None:
            return state.titles
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

    def _build_titles(self, state: _Generation) -> None:
        with self._ix.searcher() as searcher:
            if searcher.reader().generation() == state.generation:
                state.titles = TitleIndex(searcher.reader())

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
        stored = searcher.stored_fields(docnum)
        q = related_query(searcher.reader(), stored)
        hits: list[Hit] = []
        if q is not None:
            allow = None
            if date_from is not None:
                allow = set(docnums(state.facets.date_bits(date_from, None)))
            results = searcher.search(q, limit=limit + 1, filter=allow)
            opening = Highlighter(())
            for r in results:
                if r.docnum == docnum:
                    continue
                hits.append(_hit(r.fields(), float(r.score), opening, None))
                if len(hits) >= limit:
                    break
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
        try:
            with committing_writer(self._ix, timeout=self.writer_timeout) as writer:
                with writer.searcher() as s:
                    existed = s.document_number(**{schema.ID_FIELD: doc_id}) is not None
                writer.update_document(**fields)
        except LockError as exc:
            raise IndexLockedError(
                "the index is being written by another process; retry shortly"
            ) from exc
        self._written()
        return not existed

    def delete_document(self, doc_id: str) -> None:
        """Delete a document; committed on return.

        Raises:
            DocumentNotFoundError: No document has this id.
            IndexLockedError: The write lock was not obtained in time.
        """
        try:
            with committing_writer(self._ix, timeout=self.writer_timeout) as writer:
                if not writer.delete_by_term(schema.ID_FIELD, doc_id):
                    raise DocumentNotFoundError(doc_id)
        except LockError as exc:
            raise IndexLockedError(
                "the index is being written by another process; retry shortly"
            ) from exc
        self._written()

    def _written(self) -> None:
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
        """Release the index (searchers of other threads are left to the GC)."""
        self._closed = True
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
        self._ix.close()


def _replace_took(result: SearchResult, took_ms: float) -> SearchResult:
    return SearchResult(
        request=result.request,
        total=result.total,
        hits=result.hits,
        facets=result.facets,
        took_ms=took_ms,
        partial=result.partial,
        parsed_query=result.parsed_query,
        dropped_terms=result.dropped_terms,
        did_you_mean=result.did_you_mean,
    )


def _hit(
    stored: Mapping[str, Any],
    score: float,
    highlighter: Highlighter,
    body_hl: Highlighter | None,
) -> Hit:
    doc = schema.stored_to_document(stored)
    title = doc.get(schema.TITLE) or ""
    body = stored.get(schema.BODY) or ""
    snippets = (body_hl or highlighter).snippets(body, 2 if body_hl else 1)
    return Hit(
        id=doc[schema.ID_FIELD],
        url=doc.get(schema.URL) or "",
        title=title,
        title_html=highlighter.mark(title),
        authors=doc[schema.AUTHORS],
        tags=doc[schema.TAGS],
        section=doc.get(schema.SECTION) or "",
        published=doc.get(schema.PUBLISHED),
        summary=doc.get(schema.SUMMARY) or "",
        score=score,
        snippets=snippets,
    )


class _Search:
    """One search request, step by step."""

    def __init__(
        self,
        engine: SearchEngine,
        searcher: Any,
        state: _Generation,
        request: SearchRequest,
        started: float,
    ) -> None:
        self.engine = engine
        self.searcher = searcher
        self.state = state
        self.req = request
        self.started = started
        self.deadline = started + engine.time_limit
        self.facets = state.facets
        self.built: BuiltQuery | None = None
        self.raw_terms: set[str] = set()
        self.parsed = ""
        self.dropped: list[str] = []
        self.partial = False

    # the query --------------------------------------------------------------------
    def _vocab(self) -> ReaderVocabulary:
        reader = self.searcher.reader()
        return ReaderVocabulary(self.state.vocab(reader), reader)

    def _query(self) -> Any | None:
        """The Whoosh query; None matches every document."""
        text = self.req.q.strip()
        if not text:
            self.parsed = ""
            return None
        if self.req.mode == "raw":
            q = parse_raw(text, self.searcher.schema)
            self.parsed = str(q) if q is not None else ""
            if q is not None:
                self.raw_terms = query_terms(q)
            return q
        self.built = build_plain(parse_plain(text), self._vocab())
        self.parsed = self.built.parsed
        combined = self.built.combined()
        return combined if combined is not None else wq.NullQuery

    def _filters(self) -> _Filters:
        tables = self.facets.tables
        by_facet: dict[str, int] = {}
        for name, wanted in (
            ("tags", self.req.tags),
            ("authors", self.req.authors),
            ("section", self.req.sections),
            ("year", self.req.years),
        ):
            if wanted:
                by_facet[name] = tables[name].filter_bits(wanted)
        dates = None
        if self.req.date_from is not None or self.req.date_to is not None:
            dates = self.facets.date_bits(self.req.date_from, self.req.date_to)
        return _Filters(by_facet, dates)

    def _collect(self, q: Any) -> Collected:
        if q is None:
            docs = docnums(self.facets.live)
            return Collected(docs, [0.0] * len(docs))
        try:
            found = collect(self.searcher, q, self.deadline)
        except (QueryError, DocumentNotFoundError):
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            if self.req.mode != "raw":
                raise
            raise QueryError(f"query cannot be run: {exc}", param="q") from exc
        self.partial = self.partial or found.partial
        return found

    # steps -------------------------------------------------------------------------
    def count(self) -> int:
        """Number of results (no ranking, hits or facets)."""
        self.req.validate()
        q = self._query()
        found = self._collect(q)
        allowed = self._filters().combined(self.facets.live)
        return (bitset(found.docs, self.facets.size) & allowed).bit_count()

    def run(self) -> SearchResult:
        q = self._query()
        filters = self._filters()
        if self.built is not None and self.built.verbose and len(self.built.required) > 1:
            q = self.built.exclude(wq.Or([c for _, c in self.built.required]))
        found = self._collect(q)
        size = self.facets.size
        matched = bitset(found.docs, size) & self.facets.live
        allowed = filters.combined(self.facets.live)
        total = (matched & allowed).bit_count()
        if total == 0 and self.built is not None and len(self.built.required) > 1:
            found, matched = self._fallback(found, allowed)
            total = (matched & allowed).bit_count()
        hits = self._hits(found, allowed, total)
        facets = {
            name: self.facets.tables[name].count(
                matched & filters.combined(self.facets.live, skip=name),
                self._selected(name),
                self.req.facet_size,
            )
            for name in self.req.facets
        }
        did_you_mean = None
        if total < DID_YOU_MEAN_BELOW and self.req.mode == "plain" and self.req.q:
            did_you_mean = self._did_you_mean(total)
        return SearchResult(
            request=self.req,
            total=total,
            hits=hits,
            facets=facets,
            took_ms=(time.perf_counter() - self.started) * 1000,
            partial=self.partial,
            parsed_query=self.parsed,
            dropped_terms=self.dropped,
            did_you_mean=did_you_mean,
        )

    def _selected(self, name: str) -> tuple[str, ...]:
        return {
            "tags": self.req.tags,
            "authors": self.req.authors,
            "section": self.req.sections,
            "year": self.req.years,
        }.get(name, ())

    def _fallback(self, found: Collected, allowed: int) -> tuple[Collected, int]:
        """Not every word matched: rank partial matches, most words first."""
        assert self.built is not None
        clauses = [q for _, q in self.built.required]
        any_q = self.built.exclude(wq.Or(clauses))
        found = self._collect(any_q)
        cov = coverage(self.searcher, clauses, found.docs)
        n = len(clauses)
        mask = bitmask(allowed, self.facets.size)
        best = max(
            (c for d, c in zip(found.docs, cov, strict=True) if mask[d >> 3] >> (d & 7) & 1),
            default=0,
        )
        need = min(best, max(1, int(n * FALLBACK_MIN_SHARE + 0.999)))
        docs: list[int] = []
        scores: list[float] = []
        for d, s, c in zip(found.docs, found.scores, cov, strict=True):
            if c >= need:
                docs.append(d)
                scores.append(s * (c / n) ** FALLBACK_COORD)
        out = Collected(docs, scores, found.partial)
        self.dropped = self._dropped(clauses, out, mask)
        return out, bitset(docs, self.facets.size) & self.facets.live

    def _dropped(self, clauses: list[Any], found: Collected, mask: bytes) -> list[str]:
        top = max(
            (
                (s, d)
                for d, s in zip(found.docs, found.scores, strict=True)
                if mask[d >> 3] >> (d & 7) & 1
            ),
            default=None,
        )
        if top is None:
            return [label for label, _ in self.built.required] if self.built else []
        assert self.built is not None
        dropped = []
        for label, q in self.built.required:
            if not _ids_near(self.searcher, q, top[1]):
                dropped.append(label)
        return dropped

    def _hits(self, found: Collected, allowed: int, total: int) -> list[Hit]:
        req = self.req
        wanted = req.page * req.per_page
        if total == 0 or (req.page - 1) * req.per_page >= total:
            return []
        mask = bitmask(allowed, self.facets.size)
        pool = [
            (s, d)
            for d, s in zip(found.docs, found.scores, strict=True)
            if mask[d >> 3] >> (d & 7) & 1
        ]
        published = self.facets.published
        if req.sort != "relevance" or (not req.q.strip()):
            newest = req.sort != "oldest"
            missing = float("-inf") if newest else float("inf")

            def by_date(sd: tuple[float, int]) -> tuple[float, float]:
                p = published[sd[1]]
                return (float(p) if p is not None else missing, sd[0])

            ranked = (heapq.nlargest if newest else heapq.nsmallest)(
                wanted, pool, key=by_date
            )
        else:
            if req.boost == "recent":
                now = time.time()
                pool = [(s * recency_factor(published[d], now), d) for s, d in pool]
            if self.built is not None and self.built.verbose and PRF_DOCS:
                pool = self._feedback(pool)
            ranked = heapq.nlargest(max(wanted, PROXIMITY_CANDIDATES), pool)
            ranked = self._proximity(ranked)[:wanted]
        page = ranked[(req.page - 1) * req.per_page : wanted]
        terms = self.built.highlight if self.built is not None else self.raw_terms
        highlighter = Highlighter(terms)
        return [
            _hit(self.searcher.stored_fields(d), s, highlighter, highlighter)
            for s, d in page
        ]

    def _feedback(self, pool: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Pseudo-relevance feedback for long questions: the key words of the best
        few matches re-rank the matches (never add documents)."""
        assert self.built is not None
        top = heapq.nlargest(PRF_DOCS, pool)
        if len(top) < 2:
            return pool
        reader = self.searcher.reader()
        weights: dict[str, float] = {}
        best = top[0][0] or 1.0
        for score, d in top:
            for term, w in key_terms(reader, self.searcher.stored_fields(d)):
                weights[term] = weights.get(term, 0.0) + w * score / best
        known = set(self.built.highlight)
        extra = heapq.nlargest(
            PRF_TERMS, ((w, t) for t, w in weights.items() if t not in known)
        )
        if not extra:
            return pool
        fields = tuple(schema.SEARCH_FIELDS.items())
        wmax = extra[0][0]
        q = wq.Or([FieldedTerm(t, fields, boost=PRF_WEIGHT * w / wmax) for w, t in extra])
        found = self._collect(q)
        bonus = dict(zip(found.docs, found.scores, strict=True))
        return [(s + bonus.get(d, 0.0), d) for s, d in pool]

    def _proximity(self, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        if self.built is None or len(self.built.word_stems) < 2 or len(ranked) < 2:
            return ranked
        close = proximity(self.searcher, self.built.word_stems, [d for _, d in ranked])
        if not close:
            return ranked
        boosted = [(s * (1 + PROXIMITY_WEIGHT * close.get(d, 0.0)), d) for s, d in ranked]
        boosted.sort(reverse=True)
        return boosted

    def _did_you_mean(self, total: int) -> str | None:
        vocab = self._vocab()
        corrected, changed = correct_words(vocab, self.req.q)
        if not changed or corrected.strip() == self.req.q.strip():
            return None
        probe = _CountProbe(self.engine, self.searcher, self.state, self.req, corrected)
        return corrected if probe.count() > total else None


class _CountProbe(_Search):
    """Counts the results of a corrected query (exact words, same filters)."""

    def __init__(
        self,
        engine: SearchEngine,
        searcher: Any,
        state: _Generation,
        request: SearchRequest,
        text: str,
    ) -> None:
        super().__init__(engine, searcher, state, request, time.perf_counter())
        self.text = text

    def _query(self) -> Any | None:
        self.built = build_plain(parse_plain(self.text), None)
        combined = self.built.combined()
        return combined if combined is not None else wq.NullQuery

    def count(self) -> int:
        found = self._collect(self._query())
        allowed = self._filters().combined(self.facets.live)
        return (bitset(found.docs, self.facets.size) & allowed).bit_count()


def _ids_near(searcher: Any, q: Any, docnum: int) -> list[int]:
    """[docnum] when ``q`` matches that document, else []."""
    context = searcher.boolean_context()
    for sub, offset in searcher.leaf_searchers():
        local = docnum - offset
        if 0 <= local < sub.reader().doc_count_all():
            m = q.matcher(sub, context)
            if m.is_active():
                m.skip_to(local)
                if m.is_active() and m.id() == local:
                    return [docnum]
            return []
    return []

