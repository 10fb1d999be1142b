"""Evaluating a plain query's term specs with the in-memory postings of ``postings``.

A word is the union of its terms (the word, its typo fixes and completions, each
with its factor), a unit the intersection of its words, a clause the union of its
units, and the query the intersection of its clauses (the union for a long
question). Exact phrases are checked by Whoosh (positions), then scored like
their words.
"""

from __future__ import annotations

from typing import Any

from search.facets import bitset
from search.postings import EMPTY, Scored, TermScores, intersection, restrict, union
from search.query import BuiltQuery, PhraseSpec, UnitSpec, WordSpec
from search.ranking import match_ids


class Evaluator:
    """Scores a built plain query over one generation, for one thread's searcher."""

    def __init__(
        self, searcher: Any, terms: TermScores, deadline: float | None = None
    ) -> None:
        """Bind to the thread's searcher and the generation's term scores."""
        self.searcher = searcher
        self.terms = terms
        self.deadline = deadline
        self.partial = False

    def word(self, spec: WordSpec) -> Scored:
        """Documents of any of the word's terms."""
        return union(
            [
                (self.terms.term(self.searcher, spec.fields, stem), factor)
                for stem, factor in spec.alts
            ]
        )

    def phrase(self, spec: PhraseSpec) -> Scored:
        """Documents with the exact phrase (checked by Whoosh), scored by its words.

        Phrase checking reads every candidate's positions, Whoosh's slow path: when
        the deadline passes, the documents found so far are kept and ``partial``
        is set.
        """
        words = intersection(
            [self.terms.term(self.searcher, spec.fields, s) for s in spec.stems]
        )
        if not words.scores:
            return EMPTY
        ids, cut = match_ids(self.searcher, spec.query, self.deadline)
        self.partial = self.partial or cut
        return restrict(words, bitset(ids, self.terms.size))

    def unit(self, spec: UnitSpec) -> Scored:
        """Documents with every part of the unit."""
        parts = [
            self.phrase(p) if isinstance(p, PhraseSpec) else self.word(p) for p in spec
        ]
        return intersection(parts)

    def clause(self, units: list[UnitSpec]) -> Scored:
        """Documents of any unit of the clause."""
        return union([(self.unit(u), 1.0) for u in units])

    def clauses(self, built: BuiltQuery) -> list[Scored]:
        """Each required clause evaluated."""
        return [self.clause(units) for _, units in built.specs]

    def excluded_bits(self, built: BuiltQuery) -> int:
        """Documents matching any excluded unit."""
        bits = 0
        for spec in built.excluded_specs:
            bits |= self.unit(spec).bits
        return bits

