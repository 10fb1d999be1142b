"""Evaluating a plain query's term specs with the in-memory postings of ``postings``.

A word is the union of its terms (the word, its typo fixes and completions, each
with its factor), a unit the intersection of its words, a clause the union of its
units, and the query the intersection of its clauses (the union for a long
question). Exact phrases are checked by Whoosh (positions), then scored like
their words.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from search.facets import bitset
from search.postings import EMPTY, Scored, TermScores, intersection, restrict, union
from search.query import BuiltQuery, PhraseSpec, UnitSpec, WordSpec

#: Phrase candidates checked per pass over the positions.
PHRASE_CHUNK = 100
#: Seconds spent checking phrase candidates at most.
PHRASE_BUDGET = 0.2


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
        """Documents with the exact phrase, scored by its words.

        Candidates (documents with every word) are checked against the words'
        positions best first, a chunk at a time. Reading positions is Whoosh's slow
        path, so checking stops after ``PHRASE_BUDGET`` seconds (or at the deadline):
        the unchecked candidates are left out and ``partial`` is set.
        """
        words = intersection(
            [self.terms.term(self.searcher, spec.fields, s) for s in spec.stems]
        )
        if not words.scores:
            return EMPTY
        ranked = sorted(words.scores, key=words.scores.__getitem__, reverse=True)
        stop = time.perf_counter() + PHRASE_BUDGET
        if self.deadline is not None:
            stop = min(stop, self.deadline)
        found: list[int] = []
        for start in range(0, len(ranked), PHRASE_CHUNK):
            if start and time.perf_counter() > stop:
                self.partial = True
                break
            chunk = sorted(ranked[start : start + PHRASE_CHUNK])
            found.extend(_with_phrase(self.searcher, spec, chunk))
        return restrict(words, bitset(found, self.terms.size))

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


def _with_phrase(searcher: Any, spec: PhraseSpec, docs: Sequence[int]) -> list[int]:
    """The documents of ``docs`` (ascending) in which the phrase's words stand
    next to each other in one of its fields."""
    found: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        for fieldname, _ in spec.fields:
            todo = [d for d in local if d + offset not in found]
            if not todo:
                break
            positions = _positions(reader, fieldname, spec.stems, todo)
            if not positions:
                continue
            for d in todo:
                lists = [p.get(d) for p in positions]
                if all(lists) and _adjacent(lists):  # type: ignore[arg-type]
                    found.add(d + offset)
    return sorted(found)


def _positions(
    reader: Any, fieldname: str, stems: Sequence[str], docs: Sequence[int]
) -> list[dict[int, list[int]]]:
    """Per stem, the positions in ``fieldname`` of each of ``docs`` that has it."""
    if fieldname not in reader.schema:
        return []
    field = reader.schema[fieldname]
    out: list[dict[int, list[int]]] = []
    for stem in stems:
        btext = field.to_bytes(stem)
        if (fieldname, btext) not in reader:
            return []
        m = reader.postings(fieldname, btext)
        per: dict[int, list[int]] = {}
        for d in docs:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                per[d] = list(m.value_as("positions"))
        out.append(per)
    return out


def _adjacent(lists: list[list[int]]) -> bool:
    """Whether some position p has p + i in the i-th list for every i."""
    rest = [set(x) for x in lists[1:]]
    return any(all(p + i + 1 in s for i, s in enumerate(rest)) for p in lists[0])
