"""One search request, step by step: query, filters, matching, ranking, facets, hits.

``Generation`` holds what is computed once per index generation and shared by the
threads (facet bitsets, term scores, the word list, titles, related posts).
``RequestRun`` answers one ``SearchRequest`` with the calling thread's searcher:

* plain queries are scored from the in-memory term scores (``search.evaluate``);
  raw queries run through Whoosh matchers under the time limit (``ranking.collect``);
* all words are required; when that finds nothing, documents matching most of the
  words come first and the missing words are reported; long questions rank every
  document matching any word, re-ranked by pseudo-relevance feedback;
* the best candidates get a proximity boost, the page gets highlighted hits.
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from search import schema
from search.cache import LRUCache
from search.errors import QueryError
from search.evaluate import Evaluator
from search.facets import FacetIndex, bitmask, bitset, docnums
from search.highlight import Highlighter
from search.hits import make_hit
from search.models import Hit, SearchRequest, SearchResult
from search.postings import (
    EMPTY,
    Scored,
    SegmentCache,
    TermScores,
    intersection,
    union,
)
from search.query import (
    FUZZY_MAX_WORDS,
    BuiltQuery,
    build_plain,
    max_typos,
    parse_plain,
    parse_raw,
    query_terms,
    spell_words,
)
from search.ranking import (
    PROXIMITY_WINDOW,
    Collected,
    collect,
    recency_factor,
    span_proximity,
)
from search.related import key_terms
from search.suggest import TitleIndex
from search.vocab import ReaderVocabulary, SpellVocab, correct_words

#: Pseudo-relevance feedback for long questions: documents and words taken...
PRF_DOCS = 5
PRF_TERMS = 10
#: ...and the weight of those words relative to the reader's.
PRF_WEIGHT = 0.5
#: Below this many results, a spelling correction is looked for.
DID_YOU_MEAN_BELOW = 3
#: A typed word in at most this many documents may be a typo of a common word:
#: a correction is looked for even when there are results.
RARE_DF = 2
#: Words in more than one document in this many (and more than ``RARE_DF``) are
#: taken as spelt right: "did you mean" looks no further for them.
CORRECT_DF_SHARE = 1000
#: In the fallback, scores are multiplied by (matched / words) ** FALLBACK_COORD,
#: so documents with more of the words come first.
FALLBACK_COORD = 3.0
#: Proximity boost when every pair of neighbouring query words stands together.
PROXIMITY_WEIGHT = 1.0
#: How many of the best documents the proximity boost re-ranks.
PROXIMITY_CANDIDATES = 20
#: Characters of the body looked at for proximity (the opening says most).
PROXIMITY_CHARS = 2500


class Generation:
    """What is computed once per index generation, shared by all threads."""

    def __init__(self, generation: int, searcher: Any, segments: SegmentCache) -> None:
        """Build the facet tables from ``searcher`` (a searcher of this generation)."""
        self.generation = generation
        self.facets = FacetIndex(searcher.reader())
        self.terms = TermScores(searcher, segments)
        self.lock = threading.Lock()
        self._vocab: SpellVocab | None = None
        #: The previous generation's words, used until this one's are read.
        self.previous_vocab: SpellVocab | None = None
        self.titles: TitleIndex | None = None
        self.related: LRUCache[list[Hit]] = LRUCache(1024)

    def vocab(self, reader: Any) -> SpellVocab:
        """The ``spell`` words of this generation, or the previous generation's
        while this one's are read in the background (typo fixes and completions
        may miss the newest words for a moment; nothing else depends on them)."""
        if self._vocab is not None:
            return self._vocab
        if self.previous_vocab is not None:
            return self.previous_vocab
        return self.build_vocab(reader)

    def build_vocab(self, reader: Any) -> SpellVocab:
        """Read this generation's words (once)."""
        if self._vocab is None:
            with self.lock:
                if self._vocab is None:
                    self._vocab = SpellVocab(reader)
                    self.previous_vocab = None
        return self._vocab


@dataclass(slots=True)
class Filters:
    """Filter bitsets of a request."""

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


class RequestRun:
    """One search request against one generation, with the thread's searcher."""

    def __init__(
        self,
        searcher: Any,
        state: Generation,
        request: SearchRequest,
        started: float,
        time_limit: float,
    ) -> None:
        """Prepare; ``run()`` does the work."""
        self.searcher = searcher
        self.state = state
        self.req = request
        self.started = started
        self.deadline = started + time_limit
        self.time_limit = time_limit
        self.facets = state.facets
        self.built: BuiltQuery | None = None
        self.raw_terms: set[str] = set()
        self.parsed = ""
        self.dropped: list[str] = []
        self.partial = False
        #: No relevance to rank by (nothing searched for): newest first.
        self.unranked = False
        self._stored: dict[int, Any] = {}

    # the query --------------------------------------------------------------------
    def _vocab(self) -> ReaderVocabulary:
        reader = self.searcher.reader()
        return ReaderVocabulary(self.state.vocab(reader), reader)

    def _build(self, text: str | None = None, fuzzy: bool = True) -> Any | None:
        """Parse the query; returns a raw Whoosh query (raw mode) or None."""
        text = self.req.q if text is None else text
        if not text.strip():
            return None
        if self.req.mode == "raw":
            q = parse_raw(text, self.searcher.schema)
            self.parsed = str(q) if q is not None else ""
            self.raw_terms = query_terms(q) if q is not None else set()
            return q if q is not None else wq.NullQuery
        self.built = build_plain(
            parse_plain(text), self._vocab() if fuzzy else None, self.deadline
        )
        self.parsed = self.built.parsed
        self.partial = self.partial or self.built.capped
        return None

    def _filters(self) -> Filters:
        tables = self.facets.tables
        by_facet = {
            name: tables[name].filter_bits(wanted)
            for name, wanted in self._selected_values().items()
            if wanted
        }
        dates = None
        if self.req.date_from is not None or self.req.date_to is not None:
            dates = self.facets.date_bits(self.req.date_from, self.req.date_to)
        return Filters(by_facet, dates)

    def _raw(self, q: Any) -> Scored:
        try:
            found = collect(self.searcher, q, self.deadline)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise QueryError(f"query cannot be run: {exc}", param="q") from exc
        self.partial = found.partial
        return _scored(found, self.facets.size)

    def _plain(self) -> tuple[Scored, list[Scored], int]:
        """(matches, each clause's matches, excluded documents) of a plain query."""
        assert self.built is not None
        ev = Evaluator(self.searcher, self.state.terms, self.deadline)
        parts = ev.clauses(self.built)
        excluded = ev.excluded_bits(self.built) if self.built.excluded_specs else 0
        self.partial = self.partial or ev.partial
        if not parts:
            return EMPTY, parts, excluded
        if self.built.verbose:
            result = union([(p, 1.0) for p in parts])
        else:
            result = intersection(parts)
        return result, parts, excluded

    def _matches(self) -> tuple[Scored, list[Scored], int]:
        q = self._build()
        if q is not None:
            return self._raw(q), [], 0
        if self.built is None or self.built.match_all:
            # nothing to search for (``*``, ``-gas``): every document, less the
            # excluded ones, newest first
            self.unranked = True
            excluded = 0
            if self.built is not None and self.built.excluded_specs:
                ev = Evaluator(self.searcher, self.state.terms, self.deadline)
                excluded = ev.excluded_bits(self.built)
            docs = docnums(self.facets.live)
            return Scored(self.facets.live, dict.fromkeys(docs, 0.0)), [], excluded
        return self._plain()

    # the whole request -----------------------------------------------------------
    def count(self) -> int:
        """Number of results of the request (all words required, no fallback)."""
        found, _, excluded = self._matches()
        allowed = self._filters().combined(self.facets.live) & ~excluded
        return (found.bits & allowed).bit_count()

    def run(self) -> SearchResult:
        """Answer the request."""
        found, parts, excluded = self._matches()
        filters = self._filters()
        live = self.facets.live & ~excluded
        allowed = filters.combined(live)
        matched = found.bits & live
        total = strict_total = (matched & allowed).bit_count()
        if total == 0 and len(parts) > 1:
            found = self._fallback(parts, allowed)
            matched = found.bits & live
            total = (matched & allowed).bit_count()
        hits = self._hits(found, allowed, total)
        selected = self._selected_values()
        facets = {
            name: self.facets.tables[name].count(
                matched & filters.combined(live, skip=name),
                selected.get(name, ()),
                self.req.facet_size,
            )
            for name in self.req.facets
        }
        did_you_mean = None
        few = total < DID_YOU_MEAN_BELOW or self.dropped or self._rare_word()
        if few and self.req.mode == "plain" and not self.unranked:
            did_you_mean = self._did_you_mean(strict_total, filters)
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

    def _selected_values(self) -> dict[str, tuple[str, ...]]:
        """The filter values of the request, by facet name."""
        return {
            "tags": self.req.tags,
            "authors": self.req.authors,
            "section": self.req.sections,
            "year": self.req.years,
        }

    def _fallback(self, parts: list[Scored], allowed: int) -> Scored:
        """Not every word matched: documents with most of the words first."""
        assert self.built is not None
        anyof = union([(p, 1.0) for p in parts])
        n = len(parts)
        scores: dict[int, float] = {}
        for d, s in anyof.scores.items():
            c = sum(1 for p in parts if d in p.scores)
            scores[d] = s * (c / n) ** FALLBACK_COORD
        out = Scored(anyof.bits, scores)
        mask = bitmask(allowed, self.facets.size)
        top = max(
            ((s, d) for d, s in scores.items() if mask[d >> 3] >> (d & 7) & 1),
            default=None,
        )
        labels = [label for label, _ in self.built.specs]
        if top is None:
            self.dropped = labels
        else:
            self.dropped = [
                label
                for label, p in zip(labels, parts, strict=True)
                if top[1] not in p.scores
            ]
        return out

    # ranking and hits ----------------------------------------------------------------
    def _stored_fields(self, docnum: int) -> Any:
        stored = self._stored.get(docnum)
        if stored is None:
            stored = self._stored[docnum] = self.searcher.stored_fields(docnum)
        return stored

    def _hits(self, found: Scored, allowed: int, total: int) -> list[Hit]:
        req = self.req
        wanted = req.page * req.per_page
        if total == 0 or (req.page - 1) * req.per_page >= total:
            return []
        if found.bits & ~allowed:
            mask = bitmask(allowed, self.facets.size)
            pool = [
                (s, d) for d, s in found.scores.items() if mask[d >> 3] >> (d & 7) & 1
            ]
        else:  # nothing filtered out
            pool = [(s, d) for d, s in found.scores.items()]
        published = self.facets.published
        if req.sort != "relevance" or self.unranked:
            newest = req.sort != "oldest"
            missing = float("-inf") if newest else float("inf")

            def by_date(sd: tuple[float, int]) -> tuple[float, float]:
                p = published[sd[1]]
                return (float(p) if p is not None else missing, sd[0])

            pick = heapq.nlargest if newest else heapq.nsmallest
            ranked = pick(wanted, pool, key=by_date)
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
        hl = Highlighter(terms)
        return [make_hit(self._stored_fields(d), s, hl, 2) for s, d in page]

    def _feedback(self, pool: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Pseudo-relevance feedback for long questions: key words of the best few
        matches re-rank the matches (never adding documents)."""
        assert self.built is not None
        top = heapq.nlargest(PRF_DOCS, pool)
        if len(top) < 2:
            return pool
        reader = self.searcher.reader()
        weights: dict[str, float] = {}
        best = top[0][0] or 1.0
        for score, d in top:
            for term, w in key_terms(reader, self._stored_fields(d)):
                weights[term] = weights.get(term, 0.0) + w * score / best
        known = set(self.built.highlight)
        extra = heapq.nlargest(
            PRF_TERMS, ((w, t) for t, w in weights.items() if t not in known)
        )
        if not extra:
            return pool
        fields = tuple(schema.SEARCH_FIELDS.items())
        wmax = extra[0][0]
        bonus = union(
            [
                (
                    self.state.terms.term(self.searcher, fields, t),
                    PRF_WEIGHT * w / wmax,
                )
                for w, t in extra
            ]
        ).scores
        return [(s + bonus.get(d, 0.0), d) for s, d in pool]

    def _proximity(self, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Boost candidates where neighbouring query words stand together."""
        if self.built is None or len(self.built.word_stems) < 2 or len(ranked) < 2:
            return ranked
        stems = self.built.word_stems
        hl = Highlighter(stems)
        boosted = []
        for s, d in ranked[:PROXIMITY_CANDIDATES]:
            stored = self._stored_fields(d)
            body = hl.spans(stored.get(schema.BODY) or "", max_chars=PROXIMITY_CHARS)
            title = hl.spans(stored.get(schema.TITLE) or "")
            close = 0.6 * span_proximity(
                stems, body, PROXIMITY_WINDOW
            ) + 0.4 * span_proximity(stems, title, PROXIMITY_WINDOW)
            boosted.append((s * (1 + PROXIMITY_WEIGHT * close), d))
        boosted.sort(reverse=True)
        return boosted + ranked[PROXIMITY_CANDIDATES:]

    def _rare_word(self) -> bool:
        """Whether a typed word is in at most ``RARE_DF`` documents (it may be a
        typo of a common word, to be considered for ``did_you_mean``)."""
        if self.built is None or self.req.mode != "plain":
            return False
        vocab = self._vocab()
        return any(
            vocab.spell_df(w) <= RARE_DF
            for w in spell_words(self.req.q)[:FUZZY_MAX_WORDS]
            if max_typos(w)
        )

    def _did_you_mean(self, total: int, filters: Filters) -> str | None:
        if time.perf_counter() > self.deadline:
            return None
        corrected, changed = correct_words(
            self._vocab(),
            self.req.q,
            1,
            self.deadline,
            max_df=max(RARE_DF, self.facets.doc_count // CORRECT_DF_SHARE),
        )
        if not changed or corrected.strip() == self.req.q.strip():
            return None
        probe = RequestRun(
            self.searcher, self.state, self.req, time.perf_counter(), self.time_limit
        )
        probe._build(corrected, fuzzy=False)
        found, _, excluded = probe._plain()
        allowed = filters.combined(self.facets.live) & ~excluded
        return corrected if (found.bits & allowed).bit_count() > total else None


def _scored(found: Collected, size: int) -> Scored:
    scores = dict(zip(found.docs, found.scores, strict=True))
    return Scored(bitset(scores, size), scores)
