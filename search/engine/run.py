"""One search request, step by step: query, filters, matching, ranking, facets, hits.

``RequestRun`` answers one ``SearchRequest`` (validated when it was made) with the
calling thread's searcher and the generation's shared state:

1. the query is parsed once (``QueryPlan``); the plan is reused by the ranking
   steps, the highlights and "did you mean";
2. plain queries are scored from the in-memory term scores (``matching``); raw
   queries run through Whoosh matchers under the time limit
   (``search.scoring.collect``);
3. all words are required; when that finds nothing, documents matching most of
   the words come first and the missing words are reported; long questions rank
   every document matching any word;
4. the page is ranked and highlighted (``ranking``), the facets counted with
   multi-select, and a correction offered when it finds more (``didyoumean``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from search import languages, schema
from search.engine.didyoumean import DidYouMean
from search.engine.generation import Generation
from search.engine.matching import Evaluator, Matched
from search.engine.ranking import PageRanker
from search.errors import QueryError
from search.models import Facet, SearchRequest, SearchResult
from search.query.build import BuiltQuery, build_plain
from search.query.plain import ParsedQuery, parse_plain
from search.query.raw import parse_raw, query_terms
from search.query.vocab import SpellVocab
from search.scoring.bitsets import bitset, docnums, ranked_within
from search.scoring.collect import collect
from search.scoring.postings import Scored, union
from search.settings import EMPTY as EMPTY_SETTINGS
from search.settings import Settings

#: How much matching fewer of the words costs in the fallback: (share) ** this.
FALLBACK_COORD = 3.0


@dataclass(slots=True)
class QueryPlan:
    """The request's query, parsed once."""

    #: Plain mode: the reader's clauses, and their term specs.
    parsed: ParsedQuery | None = None
    built: BuiltQuery | None = None
    #: Raw mode: the Whoosh query, and its terms (for highlighting).
    raw: Any = None
    raw_terms: set[str] = field(default_factory=set)
    #: The query written back (the response's ``parsed_query``).
    shown: str = ""

    @property
    def match_all(self) -> bool:
        """Nothing to search for (``*``, ``-gas``, blank): every document."""
        return self.raw is None and (self.built is None or self.built.match_all)

    @property
    def highlight(self) -> set[str]:
        """Index terms to mark in the hits."""
        return self.built.highlight if self.built is not None else self.raw_terms


@dataclass(slots=True)
class Filters:
    """Filter bitsets of a request, by facet, and its date range."""

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
        settings: Settings = EMPTY_SETTINGS,
    ) -> None:
        """Prepare; ``run()`` does the work."""
        self.searcher = searcher
        self.state = state
        self.req = request
        self.settings = settings
        self.started = started
        self.deadline = started + time_limit
        self.time_limit = time_limit
        self.facets = state.facets
        self.partial = False

    def run(self) -> SearchResult:
        """Answer the request."""
        plan = self.plan()
        matched = self.match(plan)
        filters = self.filters()
        hidden = self.state.hidden_bits(self.searcher, self.settings.hidden)
        live = self.facets.live & ~matched.excluded & ~hidden
        allowed = filters.combined(live)
        pinned = self.pinned(allowed)
        pinned_bits = bitset(pinned, self.facets.size)
        allowed &= ~pinned_bits
        found = matched.found
        in_live = found.bits & live
        total = strict_total = (in_live & allowed).bit_count()
        dropped: list[str] = []
        if total == 0 and len(matched.parts) > 1:
            assert plan.built is not None
            found, dropped = self.fallback(
                plan.built, matched.clause_matches(), allowed
            )
            in_live = found.bits & live
            total = (in_live & allowed).bit_count()
        ranker = PageRanker(
            self.searcher, self.state, self.req, plan.built, plan.highlight
        )
        hits = ranker.hits(
            found, allowed, total, unranked=plan.match_all, pinned=pinned
        )
        total += len(pinned)
        shown = in_live | pinned_bits
        selected = self.req.filter_values()
        facets: dict[str, Facet] = {
            name: self.facets.tables[name].count(
                shown & filters.combined(live, skip=name),
                selected.get(name, ()),
                self.req.facet_size,
            )
            for name in self.req.facets
        }
        did_you_mean = None
        if plan.parsed is not None and not plan.match_all:
            speller = DidYouMean(
                self.vocab(),
                lambda: self.evaluator(fresh=True),
                self.facets.doc_count,
                self.deadline,
                plan.built.langs if plan.built is not None else (),
            )
            if speller.wanted(plan.parsed, total, bool(dropped)):
                did_you_mean = speller.suggest(
                    self.req.q,
                    plan.parsed,
                    strict_total,
                    filters.combined(self.facets.live),
                )
        return SearchResult(
            request=self.req,
            total=total,
            hits=hits,
            facets=facets,
            took_ms=(time.perf_counter() - self.started) * 1000,
            partial=self.partial,
            parsed_query=plan.shown,
            dropped_terms=dropped,
            did_you_mean=did_you_mean,
            expanded=plan.built.expanded if plan.built is not None else {},
        )

    def pinned(self, allowed: int) -> list[int]:
        """Documents the editors pinned for this query that pass the filters, in
        their order (relevance order only: a sort by date keeps its order)."""
        if self.req.sort != "relevance" or self.req.mode != "plain":
            return []
        found = []
        for doc_id in self.settings.pinned_for(self.req.q):
            docnum = self.searcher.document_number(**{schema.ID_FIELD: doc_id})
            if docnum is not None and allowed >> docnum & 1:
                found.append(docnum)
        return found

    # the query ---------------------------------------------------------------------
    def query_languages(self) -> tuple[str, ...]:
        """The languages whose analyses of the query are searched: those of the
        ``language`` filter, else every language the index holds."""
        wanted = self.req.filter_values()[schema.FACET_LANGUAGE]
        if wanted:
            return tuple(dict.fromkeys(wanted))
        held = self.facets.tables[schema.FACET_LANGUAGE].values
        return tuple(held) or (languages.DEFAULT_LANGUAGE,)

    def vocab(self) -> SpellVocab:
        """The generation's words (frequencies, completions, typo fixes)."""
        return self.state.vocab(self.searcher.reader())

    def evaluator(self, *, fresh: bool = False) -> Evaluator:
        """An evaluator of plain queries; ``fresh`` gives it a time limit of its own
        (for the corrected query of "did you mean")."""
        deadline = time.perf_counter() + self.time_limit if fresh else self.deadline
        return Evaluator(self.searcher, self.state.terms, deadline, self.language_bits)

    def language_bits(self, langs: Sequence[str]) -> int:
        """Documents in any of the languages ``langs``."""
        return self.facets.tables[schema.FACET_LANGUAGE].filter_bits(langs)

    def plan(self) -> QueryPlan:
        """Parse the request's query (once).

        Raises:
            QueryError: A raw query cannot be parsed.
        """
        text = self.req.q
        if not text.strip():
            return QueryPlan()
        if self.req.mode == "raw":
            q = parse_raw(text, self.searcher.schema)
            if q is None:
                return QueryPlan(raw=wq.NullQuery)
            return QueryPlan(raw=q, raw_terms=query_terms(q), shown=str(q))
        parsed = parse_plain(text)
        built = build_plain(
            parsed,
            self.vocab(),
            self.deadline,
            langs=self.query_languages(),
            synonyms=self.settings.synonym_words,
        )
        self.partial = self.partial or built.capped
        return QueryPlan(parsed=parsed, built=built, shown=built.parsed)

    def match(self, plan: QueryPlan) -> Matched:
        """Every document the query matches, scored."""
        if plan.raw is not None:
            return Matched(self._collect(plan.raw))
        live = self.facets.live
        if plan.match_all:
            # nothing to search for (``*``, ``-gas``): every document, less the
            # excluded ones, newest first
            excluded = 0
            if plan.built is not None and plan.built.excluded_specs:
                excluded = self.evaluator().excluded_bits(plan.built)
            return Matched(
                Scored(live, dict.fromkeys(docnums(live), 0.0)), [], excluded
            )
        assert plan.built is not None
        ev = self.evaluator()
        matched = ev.match(plan.built)
        self.partial = self.partial or ev.partial
        return matched

    def _collect(self, q: Any) -> Scored:
        try:
            found = collect(self.searcher, q, self.deadline)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise QueryError(f"query cannot be run: {exc}", param="q") from exc
        self.partial = found.partial
        scores = dict(zip(found.docs, found.scores, strict=True))
        return Scored(bitset(scores, self.facets.size), scores)

    def filters(self) -> Filters:
        """The request's filters as bitsets."""
        tables = self.facets.tables
        by_facet = {
            name: tables[name].filter_bits(wanted)
            for name, wanted in self.req.filter_values().items()
            if wanted
        }
        dates = None
        if self.req.date_from is not None or self.req.date_to is not None:
            dates = self.facets.date_bits(self.req.date_from, self.req.date_to)
        return Filters(by_facet, dates)

    def fallback(
        self, built: BuiltQuery, parts: list[Scored], allowed: int
    ) -> tuple[Scored, list[str]]:
        """Not every word matched: documents with most of the words first.

        Returns:
            The matches, and the labels of the clauses the best match lacks.
        """
        anyof = union([(p, 1.0) for p in parts])
        n = len(parts)
        scores: dict[int, float] = {}
        for d, s in anyof.scores.items():
            c = sum(1 for p in parts if d in p.scores)
            scores[d] = s * (c / n) ** FALLBACK_COORD
        top = max(ranked_within(scores, allowed), default=None)
        labels = [label for label, _ in built.specs]
        if top is None:
            dropped = labels
        else:
            dropped = [
                label
                for label, p in zip(labels, parts, strict=True)
                if top[1] not in p.scores
            ]
        return Scored(anyof.bits, scores), dropped
