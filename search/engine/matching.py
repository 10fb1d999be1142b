"""Matching: a plain query's term specs evaluated over the in-memory postings.

A word is the union of its terms (the word, its typo fixes and completions, each
with its factor), a unit the intersection of its words, a clause the union of its
units, and the query the intersection of its clauses (the union for a long
question). Exact phrases are checked by Whoosh (positions), then scored like
their words.

A word that is a stop word in some of the languages searched (English "war" is
German for "was") is not indexed in their documents, so it is not required of
them: those documents are "exempt" from it, and an intersection keeps an exempt
document that matches the rest (with nothing added to its score).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from search.query.build import BuiltQuery, PhraseSpec, UnitSpec, Weighted, WordSpec
from search.scoring.bitsets import bitset, docnums
from search.scoring.postings import (
    EMPTY,
    Scored,
    TermScores,
    intersection,
    restrict,
    union,
)
from search.store.arrays import term_positions

#: Best-scored phrase candidates checked first (the rest only within the budget).
PHRASE_FIRST = 300
#: Seconds spent checking phrase candidates at most.
PHRASE_BUDGET = 0.2


#: A part's matches, and the documents exempt from it (a bitset).
Exempted = tuple[Scored, int]


@dataclass(slots=True)
class Matched:
    """What a query matched: every document with its score, each required
    clause's matches (for the fallback when not all of them match), and the
    documents an excluded word removes."""

    found: Scored
    parts: list[Exempted] = field(default_factory=list)
    excluded: int = 0

    def clause_matches(self) -> list[Scored]:
        """Each required clause's matches, an exempt document counted as having
        the clause's word where it matches another clause (for the fallback)."""
        anyof = 0
        for scored, _ in self.parts:
            anyof |= scored.bits
        return [with_exempt(scored, exempt & anyof) for scored, exempt in self.parts]


class Evaluator:
    """Scores a built plain query over one generation, for one thread's searcher."""

    def __init__(
        self,
        searcher: Any,
        terms: TermScores,
        deadline: float | None = None,
        language_bits: Callable[[Sequence[str]], int] | None = None,
    ) -> None:
        """Bind to the thread's searcher and the generation's term scores;
        ``language_bits`` gives the documents of some languages (for the words
        that are stop words in them)."""
        self.searcher = searcher
        self.terms = terms
        self.deadline = deadline
        self.language_bits = language_bits
        self.partial = False

    def word(self, spec: WordSpec) -> Scored:
        """Documents of any of the word's terms."""
        return union(
            [
                (self.terms.term(self.searcher, spec.fields, stem), factor)
                for stem, factor in spec.alts
            ]
        )

    def exempt(self, spec: WordSpec | PhraseSpec) -> int:
        """Documents that need not hold the word: those of the languages in
        which it is a stop word."""
        if isinstance(spec, PhraseSpec) or not spec.stop_in:
            return 0
        if self.language_bits is None:
            return 0
        return self.language_bits(spec.stop_in)

    def phrase(self, spec: PhraseSpec) -> Scored:
        """Documents with the exact phrase, scored by its words.

        Candidates (documents with every word) are checked against the words'
        positions in two passes: the ``PHRASE_FIRST`` best-scored first, then the
        rest. Each pass walks each word's posting blocks once, in document order,
        decompressing only the blocks that hold candidates. Reading positions is
        Whoosh's slow path, so the second pass is skipped after ``PHRASE_BUDGET``
        seconds (or at the deadline): its candidates are left out and ``partial``
        is set.
        """
        key = "\x00phrase\x00" + " ".join(spec.stems)
        cached = self.terms.cached(spec.fields, key)
        if cached is not None:  # paging, filters and facet clicks repeat phrases
            return cached
        words = intersection(
            [self.terms.term(self.searcher, spec.fields, s) for s in spec.stems]
        )
        if not words.scores:
            return EMPTY
        stop = time.perf_counter() + PHRASE_BUDGET
        if self.deadline is not None:
            stop = min(stop, self.deadline)
        if len(words.scores) <= PHRASE_FIRST:
            passes = [sorted(words.scores)]
        else:
            ranked = sorted(words.scores, key=words.scores.__getitem__, reverse=True)
            passes = [sorted(ranked[:PHRASE_FIRST]), sorted(ranked[PHRASE_FIRST:])]
        found: list[int] = []
        cut = False
        for i, docs in enumerate(passes):
            if i and time.perf_counter() > stop:
                cut = True
                break
            found.extend(_with_phrase(self.searcher, spec, docs, stop if i else None))
            # past the stop, the walk may have been cut short
            cut = bool(i) and time.perf_counter() > stop
        result = restrict(words, bitset(found, self.terms.size))
        if cut:
            self.partial = True
        else:
            self.terms.store(spec.fields, key, result)
        return result

    def unit(self, spec: UnitSpec) -> Exempted:
        """Documents with every part of the unit, and those exempt from all."""
        parts = [
            (
                self.phrase(p) if isinstance(p, PhraseSpec) else self.word(p),
                self.exempt(p),
            )
            for p in spec
        ]
        exempt = parts[0][1]
        for _, bits in parts[1:]:
            exempt &= bits
        return require(parts), exempt

    def clause(self, units: list[Weighted]) -> Exempted:
        """Documents of any unit of the clause (each score times its factor),
        and those exempt from any."""
        found = [(self.unit(u), factor) for u, factor in units]
        exempt = 0
        for (_, bits), _ in found:
            exempt |= bits
        return union([(scored, factor) for (scored, _), factor in found]), exempt

    def clauses(self, built: BuiltQuery) -> list[Exempted]:
        """Each required clause evaluated; the clauses left when the deadline
        passes are not (``partial`` is set)."""
        out: list[Exempted] = []
        deadline = self.deadline
        for _, units in built.specs:
            if out and deadline is not None and time.perf_counter() > deadline:
                self.partial = True
                break
            out.append(self.clause(units))
        return out

    def match(self, built: BuiltQuery) -> Matched:
        """Every document matching the query: all clauses required, or any of
        them for a long question (``built.verbose``)."""
        parts = self.clauses(built)
        excluded = self.excluded_bits(built) if built.excluded_specs else 0
        if not parts:
            return Matched(EMPTY, parts, excluded)
        if built.verbose:
            return Matched(union([(p, 1.0) for p, _ in parts]), parts, excluded)
        return Matched(require(parts), parts, excluded)

    def excluded_bits(self, built: BuiltQuery) -> int:
        """Documents matching any excluded unit."""
        bits = 0
        for spec in built.excluded_specs:
            bits |= self.unit(spec)[0].bits
        return bits


def with_exempt(scored: Scored, exempt: int) -> Scored:
    """``scored`` with the documents of ``exempt`` it lacks, at score 0."""
    extra = exempt & ~scored.bits
    if not extra:
        return scored
    scores = dict(scored.scores)
    scores.update(dict.fromkeys(docnums(extra), 0.0))
    return Scored(scored.bits | extra, scores)


def require(parts: Sequence[Exempted]) -> Scored:
    """Documents in every part, or exempt from it.

    A part's exempt documents are added only where the parts without exempt
    documents all match (so never more than they match); when every part has
    some, only where some part matches (a document must match something).
    """
    hard = [scored for scored, exempt in parts if not exempt]
    soft = [(scored, exempt) for scored, exempt in parts if exempt]
    if not soft:
        return intersection(hard)
    if hard:
        base = intersection(hard)
        scope = base.bits
        out = [base]
    else:
        scope = 0
        for scored, _ in soft:
            scope |= scored.bits
        out = []
    for scored, exempt in soft:
        out.append(with_exempt(scored, exempt & scope))
    return intersection(out)


def _with_phrase(
    searcher: Any, spec: PhraseSpec, docs: Sequence[int], stop: float | None = None
) -> list[int]:
    """The documents of ``docs`` (ascending) in which the phrase's words stand
    next to each other in one of its fields (the walk ends early at ``stop``)."""
    found: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        for fieldname, _ in spec.fields:
            todo = [d for d in local if d + offset not in found]
            if not todo:
                break
            for d in _phrase_in_field(reader, fieldname, spec.stems, todo, stop):
                found.add(d + offset)
    return sorted(found)


def _phrase_in_field(
    reader: Any,
    fieldname: str,
    stems: Sequence[str],
    docs: Sequence[int],
    stop: float | None,
) -> list[int]:
    """The documents of ``docs`` (ascending, segment-local) with the phrase in
    ``fieldname``; the rarest word is read first and each following word only for
    the documents still possible."""
    if fieldname not in reader.schema:
        return []
    field = reader.schema[fieldname]
    terms = []
    for i, stem in enumerate(stems):
        btext = field.to_bytes(stem)
        if (fieldname, btext) not in reader:
            return []
        terms.append((reader.doc_frequency(fieldname, btext), i, btext))
    terms.sort()
    # candidate -> positions of the phrase's start (word 0) still possible
    starts: dict[int, set[int]] | None = None
    for _, i, btext in terms:
        wanted = docs if starts is None else sorted(starts)
        if not wanted:
            return []
        positions = term_positions(reader, fieldname, btext, wanted, stop)
        nxt: dict[int, set[int]] = {}
        if starts is None:
            for d, poslist in positions.items():
                nxt[d] = {p - i for p in poslist} if i else set(poslist)
        else:
            for d, poslist in positions.items():
                possible = starts[d]
                kept = {p - i for p in poslist if p - i in possible}
                if kept:
                    nxt[d] = kept
        starts = nxt
    return sorted(starts or ())
