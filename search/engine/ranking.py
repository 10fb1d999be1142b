"""Ranking steps of one request's page: sort or score order, recency, pseudo-relevance
feedback for long questions, the proximity boost, and the page's highlighted hits."""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from typing import Any

from search import languages, schema
from search.engine.generation import Generation
from search.engine.highlight import Highlighter
from search.engine.hits import make_hit
from search.engine.related import key_terms
from search.models import Hit, SearchRequest
from search.query.build import BuiltQuery
from search.scoring.bitsets import ranked_within, scores_within, top_scored
from search.scoring.boosts import PROXIMITY_WINDOW, recency_factor, span_proximity
from search.scoring.postings import Scored, union

#: Pseudo-relevance feedback: top documents read, key words added, their weight.
PRF_DOCS = 5
PRF_TERMS = 10
PRF_WEIGHT = 0.5
#: Proximity boost: its weight, the candidates it re-ranks, the body text it reads.
PROXIMITY_WEIGHT = 1.0
PROXIMITY_CANDIDATES = 20
PROXIMITY_CHARS = 2500
#: Snippets per hit on a result page.
SNIPPETS_PER_HIT = 2


class PageRanker:
    """Orders the allowed matches of one request and makes its page of hits."""

    def __init__(
        self,
        searcher: Any,
        state: Generation,
        request: SearchRequest,
        built: BuiltQuery | None,
        highlight: set[str],
    ) -> None:
        """Bind to the thread's searcher, the generation and the parsed query."""
        self.searcher = searcher
        self.state = state
        self.req = request
        self.built = built
        self.highlight = highlight
        self._stored: dict[int, Any] = {}

    def stored(self, docnum: int) -> Any:
        """Stored fields of a document (read once per request)."""
        stored = self._stored.get(docnum)
        if stored is None:
            stored = self._stored[docnum] = self.searcher.stored_fields(docnum)
        return stored

    def language(self, docnum: int) -> str:
        """The language a document was analysed in."""
        return languages.document_language(self.stored(docnum).get(schema.LANGUAGE))

    def hits(
        self,
        found: Scored,
        allowed: int,
        total: int,
        *,
        unranked: bool,
        pinned: Sequence[int] = (),
    ) -> list[Hit]:
        """The requested page of hits.

        Args:
            found: Every match with its score.
            allowed: Documents that pass the filters (and are not excluded or
                pinned).
            total: Matches that are allowed.
            unranked: Nothing was searched for: newest first.
            pinned: Documents shown first, in this order (``pinned: true``).
        """
        req = self.req
        start = (req.page - 1) * req.per_page
        if start >= total + len(pinned):
            return []
        first = [(found.scores.get(d, 0.0), d) for d in pinned]
        wanted = req.page * req.per_page - len(first)
        ranked = self._ranked(found, allowed, wanted, unranked) if total else []
        page = (first + ranked)[start : req.page * req.per_page]
        highlighters: dict[str, Highlighter] = {}
        hits = []
        for s, d in page:
            lang = self.language(d)
            hl = highlighters.get(lang)
            if hl is None:
                hl = highlighters[lang] = Highlighter(self.highlight, lang)
            hits.append(make_hit(self.stored(d), s, hl, SNIPPETS_PER_HIT))
        if pinned:
            for hit, (_, d) in zip(hits, page, strict=True):
                hit.pinned = d in pinned
        return hits

    def _ranked(
        self, found: Scored, allowed: int, wanted: int, unranked: bool
    ) -> list[tuple[float, int]]:
        """The best ``wanted`` allowed matches, (score, docnum), in page order."""
        req = self.req
        if wanted <= 0:
            return []
        plain = (
            req.sort == "relevance"
            and not unranked
            and req.boost != "recent"
            and not (self.built is not None and self.built.verbose and PRF_DOCS)
        )
        if plain:  # the best few by score, without a list of every match
            scores = found.scores
            if found.bits & ~allowed:
                scores = scores_within(scores, allowed)
            best = top_scored(scores, max(wanted, PROXIMITY_CANDIDATES))
            ranked = self.proximity(best)[:wanted]
        else:
            if found.bits & ~allowed:
                pool = ranked_within(found.scores, allowed)
            else:  # nothing filtered out
                pool = [(s, d) for d, s in found.scores.items()]
            if req.sort != "relevance" or unranked:
                ranked = self._by_date(pool, wanted)
            else:
                ranked = self._by_relevance(pool, wanted)
        return ranked

    def _by_date(
        self, pool: list[tuple[float, int]], wanted: int
    ) -> list[tuple[float, int]]:
        published = self.state.facets.published
        newest = self.req.sort != "oldest"
        missing = float("-inf") if newest else float("inf")

        def by_date(sd: tuple[float, int]) -> tuple[float, float]:
            p = published[sd[1]]
            return (float(p) if p is not None else missing, sd[0])

        pick = heapq.nlargest if newest else heapq.nsmallest
        return pick(wanted, pool, key=by_date)

    def _by_relevance(
        self, pool: list[tuple[float, int]], wanted: int
    ) -> list[tuple[float, int]]:
        if self.req.boost == "recent":
            published = self.state.facets.published
            now = time.time()
            pool = [(s * recency_factor(published[d], now), d) for s, d in pool]
        if self.built is not None and self.built.verbose and PRF_DOCS:
            pool = self.feedback(pool)
        ranked = heapq.nlargest(max(wanted, PROXIMITY_CANDIDATES), pool)
        return self.proximity(ranked)[:wanted]

    def feedback(self, pool: list[tuple[float, int]]) -> list[tuple[float, int]]:
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
            for term, w in key_terms(reader, self.state.terms, self.stored(d)):
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

    def proximity(self, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Boost candidates where neighbouring query words stand together."""
        if self.built is None or len(ranked) < 2:
            return ranked
        by_lang = self.built.word_stems
        if all(len(stems) < 2 for stems in by_lang.values()):
            return ranked
        highlighters: dict[str, Highlighter] = {}
        boosted = []
        for s, d in ranked[:PROXIMITY_CANDIDATES]:
            stored = self.stored(d)
            lang = self.language(d)
            stems = by_lang.get(lang) or []
            if len(stems) < 2:
                boosted.append((s, d))
                continue
            hl = highlighters.get(lang)
            if hl is None:
                hl = highlighters[lang] = Highlighter(stems, lang)
            body = hl.spans(stored.get(schema.BODY) or "", max_chars=PROXIMITY_CHARS)
            title = hl.spans(stored.get(schema.TITLE) or "")
            close = 0.6 * span_proximity(
                stems, body, PROXIMITY_WINDOW
            ) + 0.4 * span_proximity(stems, title, PROXIMITY_WINDOW)
            boosted.append((s * (1 + PROXIMITY_WEIGHT * close), d))
        boosted.sort(reverse=True)
        return boosted + ranked[PROXIMITY_CANDIDATES:]
