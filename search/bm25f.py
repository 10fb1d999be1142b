"""BM25F proper: one word in several fields, frequencies summed before saturation.

Whoosh scores ``Or([Term("title", w, boost=3), Term("body", w)])`` as the sum of two
BM25 scores, so a word in the title counts up to four times as much as the same word
in the body, whatever its frequency: documents that name any query word in their
title swamp the ranking of long queries. ``FieldedTerm`` implements the BM25F of
Robertson & Zaragoza instead: the field-weighted, length-normalised term frequencies
are summed into one pseudo frequency, which saturates once::

    tf' = sum_f  w_f * tf_f / ((1 - b_f) + b_f * len_f / avglen_f)
    score = idf * tf' * (k1 + 1) / (tf' + k1)

Title matches still rank first (w_title > w_body), but a body full of the word is
not outweighed by a title that merely mentions it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from whoosh import matching
from whoosh.query import qcore

#: BM25 defaults, used when the searcher's weighting does not say otherwise.
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75


def bm25_idf(df: int, n: int) -> float:
    """Robertson–Spärck Jones idf: ``log(1 + (N - df + 0.5) / (df + 0.5))``."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class FieldedTerm(qcore.Query):  # type: ignore[misc]
    """One index term looked for in several weighted fields, scored by BM25F."""

    def __init__(
        self, text: str, fields: Sequence[tuple[str, float]], boost: float = 1.0
    ) -> None:
        """A term and the (field, weight) pairs it is searched in."""
        self.text = text
        self.fields = tuple(fields)
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FieldedTerm)
            and self.text == other.text
            and self.fields == other.fields
            and self.boost == other.boost
        )

    def __hash__(self) -> int:
        return hash((self.text, self.fields, self.boost))

    def __repr__(self) -> str:
        return f"FieldedTerm({self.text!r}, {self.fields!r}, boost={self.boost})"

    def __str__(self) -> str:
        names = "|".join(f for f, _ in self.fields)
        boost = f"^{self.boost:g}" if self.boost != 1.0 else ""
        return f"({names}):{self.text}{boost}"

    def has_terms(self) -> bool:
        return True

    def terms(self, phrases: bool = False) -> Iterator[tuple[str, str]]:
        for fieldname, _ in self.fields:
            yield (fieldname, self.text)

    def estimate_size(self, ixreader: Any) -> int:
        return max(
            (ixreader.doc_frequency(f, self.text) for f, _ in self.fields), default=0
        )

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        reader = searcher.reader()
        parent = searcher.get_parent()
        weighting = context.weighting if context is not None else searcher.weighting
        k1 = float(getattr(weighting, "K1", DEFAULT_K1))
        default_b = float(getattr(weighting, "B", DEFAULT_B))
        field_b = getattr(weighting, "_field_B", {})
        subs: list[_Sub] = []
        df = 0
        for fieldname, weight in self.fields:
            if fieldname not in searcher.schema:
                continue
            btext = searcher.schema[fieldname].to_bytes(self.text)
            if (fieldname, btext) not in reader:
                continue
            df = max(df, parent.doc_frequency(fieldname, btext))
            subs.append(
                _Sub(
                    reader.postings(fieldname, btext),
                    weight,
                    fieldname,
                    parent.avg_field_length(fieldname) or 1.0,
                    float(field_b.get(fieldname, default_b)),
                )
            )
        if not subs:
            return matching.NullMatcher()
        idf = bm25_idf(df, parent.doc_count())
        return BM25FMatcher(subs, idf * self.boost, k1, reader)


class _Sub:
    """One field's postings of the term with its BM25F parameters."""

    __slots__ = ("m", "weight", "field", "avgfl", "b")

    def __init__(self, m: Any, weight: float, field: str, avgfl: float, b: float):
        self.m = m
        self.weight = weight
        self.field = field
        self.avgfl = avgfl
        self.b = b


class BM25FMatcher(matching.Matcher):  # type: ignore[misc]
    """Union of one term's postings in several fields, scored by BM25F."""

    def __init__(self, subs: list[_Sub], idf: float, k1: float, reader: Any) -> None:
        self._subs = subs
        self._idf = idf
        self._k1 = k1
        self._reader = reader
        self._active = [s for s in subs if s.m.is_active()]
        self._id = min(s.m.id() for s in self._active) if self._active else -1

    def _settle(self) -> None:
        self._active = active = [s for s in self._active if s.m.is_active()]
        if len(active) == 1:
            self._id = active[0].m.id()
        elif active:
            self._id = min(s.m.id() for s in active)

    def is_active(self) -> bool:
        return bool(self._active)

    def id(self) -> int:
        return self._id

    def next(self) -> bool:
        current = self._id
        for s in self._active:
            if s.m.id() == current:
                s.m.next()
        self._settle()
        return False

    def skip_to(self, target: int) -> bool:
        for s in self._active:
            if s.m.id() < target:
                s.m.skip_to(target)
        self._settle()
        return False

    def weight(self) -> float:
        current = self._id
        return float(sum(s.m.weight() for s in self._active if s.m.id() == current))

    def score(self) -> float:
        current = self._id
        tf = 0.0
        dfl = self._reader.doc_field_length
        for s in self._active:
            if s.m.id() == current:
                length = dfl(current, s.field, 1)
                tf += s.weight * s.m.weight() / ((1 - s.b) + s.b * length / s.avgfl)
        return self._idf * tf * (self._k1 + 1) / (tf + self._k1)

    def supports_block_quality(self) -> bool:
        return False

    def supports(self, astype: str) -> bool:
        return False

    def copy(self) -> BM25FMatcher:
        return BM25FMatcher(
            [_Sub(s.m.copy(), s.weight, s.field, s.avgfl, s.b) for s in self._subs],
            self._idf,
            self._k1,
            self._reader,
        )

    def children(self) -> list[Any]:
        return [s.m for s in self._active]

    def term_matchers(self) -> Iterator[Any]:
        for s in self._active:
            yield from s.m.term_matchers()

    def matching_terms(self, id: int | None = None) -> Iterator[Any]:
        if id is None:
            id = self.id()
        for s in self._active:
            if s.m.id() == id:
                yield from s.m.matching_terms(id)
