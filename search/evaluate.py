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
from itertools import accumulate
from pickle import loads
from typing import Any

from search.facets import bitset
from search.postings import EMPTY, Scored, TermScores, intersection, restrict, union
from search.query import BuiltQuery, PhraseSpec, UnitSpec, WordSpec

#: Best-scored phrase candidates checked first (the rest only within the budget).
PHRASE_FIRST = 300
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
        """Each required clause evaluated; the clauses left when the deadline
        passes are not (``partial`` is set)."""
        out: list[Scored] = []
        deadline = self.deadline
        for _, units in built.specs:
            if out and deadline is not None and time.perf_counter() > deadline:
                self.partial = True
                break
            out.append(self.clause(units))
        return out

    def excluded_bits(self, built: BuiltQuery) -> int:
        """Documents matching any excluded unit."""
        bits = 0
        for spec in built.excluded_specs:
            bits |= self.unit(spec).bits
        return bits


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
        positions = _term_positions(reader, fieldname, btext, wanted, stop)
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


def _term_positions(
    reader: Any,
    fieldname: str,
    btext: bytes,
    docs: Sequence[int],
    stop: float | None = None,
) -> dict[int, list[int]]:
    """Positions of a term in each of ``docs`` (ascending) that contains it.

    Walks the posting blocks once, decompressing only those holding one of
    ``docs`` (Whoosh's ``skip_to`` does the same, but a matcher per chunk of
    candidates decompressed the same blocks again for every chunk).
    """
    m = reader.postings(fieldname, btext)
    leaf = getattr(m, "child", m)  # unwrap the matcher that hides deleted docs
    decode = m.format.decode_positions if hasattr(m, "format") else None
    out: dict[int, list[int]] = {}
    if (
        not (hasattr(leaf, "_read_values") and hasattr(leaf, "_maxid"))
        or decode is None
    ):
        for d in docs:  # any other matcher: the public way
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                out[d] = list(m.value_as("positions"))
        return out
    i, n = 0, len(docs)
    while i < n and not leaf._atend and leaf._blocklength:
        maxid = leaf._maxid
        if docs[i] <= maxid:
            if stop is not None and time.perf_counter() > stop:
                break
            leaf._read_ids()
            leaf._read_values()
            where = {d: k for k, d in enumerate(leaf._ids)}
            values = leaf._values
            while i < n and docs[i] <= maxid:
                k = where.get(docs[i])
                if k is not None:
                    out[docs[i]] = _decode_positions(values[k], decode)
                i += 1
        leaf._next_block()
    return out


def _decode_positions(value: bytes, decode: Any) -> list[int]:
    """Positions of a ``Positions``-format posting value (Whoosh 2.7's encoding:
    a 4-byte count, then the pickled position deltas without the final STOP)."""
    try:
        return list(accumulate(loads(value[4:] + b".")))
    except Exception:  # not the encoding assumed: Whoosh's own decoder
        return list(decode(value))
