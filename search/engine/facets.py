"""Facet values and filters kept in memory as bitsets, one table per index generation.

Whoosh's facets are computed per query at a cost that grows with the index (see
WHOOSH-NOTES). Here each facet value holds the set of its documents as a Python
``int`` used as a bitset (bit ``n`` = document number ``n``), built once per index
generation from the facet field's lexicon and postings. Counting a facet over a
result set is then one ``&`` and one ``bit_count()`` per value, and filters are ORs
and ANDs of bitsets.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from whoosh.util.times import datetime_to_long

from search import schema
from search.models import Facet, FacetValue
from search.scoring.bitsets import bitset, docnums
from search.store.blocks import segment_key

#: 1970-01-01 in Whoosh's DATETIME encoding (microseconds since ``datetime.min``).
_EPOCH_LONG = datetime_to_long(datetime(1970, 1, 1))

#: Facets listed newest value first rather than by count.
CHRONOLOGICAL = schema.CHRONOLOGICAL_FACETS


@dataclass(slots=True)
class FacetTable:
    """The values of one facet field and the documents of each."""

    name: str
    values: list[str] = field(default_factory=list)
    bits: list[int] = field(default_factory=list)
    by_fold: dict[str, list[int]] = field(default_factory=dict)

    def match(self, wanted: Sequence[str]) -> list[int]:
        """Value ids matching the wanted values case-insensitively."""
        ids: list[int] = []
        for w in wanted:
            ids.extend(self.by_fold.get(" ".join(w.split()).casefold(), ()))
        return ids

    def filter_bits(self, wanted: Sequence[str]) -> int:
        """Documents having any of the wanted values (0 when none is known)."""
        out = 0
        for vid in self.match(wanted):
            out |= self.bits[vid]
        return out

    def count(self, base: int, selected: Sequence[str], size: int) -> Facet:
        """Counts of every value over the documents of ``base``.

        Args:
            base: The documents counted (a bitset).
            selected: The filter values the reader chose for this facet.
            size: Most values returned (selected values are always included).

        Returns:
            The facet, values by count (or newest first for year/month).
        """
        chosen = set(self.match(selected))
        counted: list[tuple[int, int]] = []
        if base:
            for vid, bits in enumerate(self.bits):
                n = (base & bits).bit_count()
                if n or vid in chosen:
                    counted.append((vid, n))
        else:
            counted = [(vid, 0) for vid in sorted(chosen)]
        values = self.values
        if self.name in CHRONOLOGICAL:
            top = heapq.nlargest(size, counted, key=lambda vc: values[vc[0]])
        else:
            top = heapq.nsmallest(
                size, counted, key=lambda vc: (-vc[1], values[vc[0]].casefold())
            )
        shown = {vid for vid, _ in top}
        top += [vc for vc in counted if vc[0] in chosen and vc[0] not in shown]
        return Facet(
            name=self.name,
            values=[FacetValue(self.values[vid], n, vid in chosen) for vid, n in top],
            truncated=len(counted) > len(top),
        )


def _term_docs(reader: Any, fieldname: str, term: bytes) -> list[int]:
    return list(reader.postings(fieldname, term).all_ids())


@dataclass(slots=True)
class _SegmentFacets:
    """What one segment holds for the facets: it never changes, so it is read once
    and shared by every generation that has the segment (deletions are applied per
    generation through the live documents)."""

    #: facet name -> [(term bytes, value, bitset of the segment's documents)]
    values: dict[str, list[tuple[bytes, str, int]]]
    #: (publication timestamp, segment document number) of dated documents
    dated: list[tuple[int, int]]


#: Segment facets by segment id (bounded; the oldest are forgotten first).
_SEGMENTS: dict[tuple[str, int], _SegmentFacets] = {}
_SEGMENTS_LOCK = threading.Lock()
MAX_CACHED_SEGMENTS = 256


def _read_segment(reader: Any) -> _SegmentFacets:
    size = reader.doc_count_all()
    values: dict[str, list[tuple[bytes, str, int]]] = {}
    for name, fieldname in schema.FACET_FIELDS.items():
        fieldobj = reader.schema[fieldname]
        values[name] = [
            (term, fieldobj.from_bytes(term), bits)
            for term in reader.lexicon(fieldname)
            if (bits := bitset(_term_docs(reader, fieldname, term), size))
        ]
    dated: list[tuple[int, int]] = []
    has_date = 0
    for _, _, bits in values[schema.FACET_YEAR]:
        has_date |= bits
    if has_date and reader.has_column(schema.PUBLISHED):
        col = reader.column_reader(schema.PUBLISHED, translate=False)
        for d in docnums(has_date):
            value = col[d]
            if isinstance(value, int):
                dated.append(((value - _EPOCH_LONG) // 1_000_000, d))
    return _SegmentFacets(values, dated)


def _segment_facets(reader: Any) -> _SegmentFacets:
    seg_id = segment_key(reader)
    if seg_id is None:
        return _read_segment(reader)
    key = (seg_id, reader.doc_count_all())
    with _SEGMENTS_LOCK:
        found = _SEGMENTS.get(key)
    if found is None:
        found = _read_segment(reader)
        with _SEGMENTS_LOCK:
            _SEGMENTS[key] = found
            while len(_SEGMENTS) > MAX_CACHED_SEGMENTS:
                del _SEGMENTS[next(iter(_SEGMENTS))]
    return found


class FacetIndex:
    """Facet tables, live documents and publication dates of one index generation.

    Built from per-segment tables (``_segment_facets``), read once per segment: a
    commit that adds a small segment costs only that segment, plus shifting and
    OR-ing the others' bitsets into place.
    """

    def __init__(self, reader: Any) -> None:
        """Build the tables from ``reader`` (a Whoosh reader of one generation)."""
        self.size = reader.doc_count_all()
        self.live = bitset(reader.all_doc_ids(), self.size)
        self.doc_count = self.live.bit_count()
        merged: dict[str, dict[bytes, list[Any]]] = {
            name: {} for name in schema.FACET_FIELDS
        }
        dated: list[tuple[int, int]] = []
        for sub, base in reader.leaf_readers():
            seg = _segment_facets(sub)
            for name, entries in seg.values.items():
                table_terms = merged[name]
                for term, value, bits in entries:
                    entry = table_terms.get(term)
                    if entry is None:
                        table_terms[term] = [value, bits << base]
                    else:
                        entry[1] |= bits << base
            dated.extend((ts, base + d) for ts, d in seg.dated)
        self.tables: dict[str, FacetTable] = {}
        for name, table_terms in merged.items():
            table = FacetTable(name)
            for term in sorted(table_terms):
                value, bits = table_terms[term]
                bits &= self.live
                if not bits:
                    continue
                table.by_fold.setdefault(value.casefold(), []).append(len(table.values))
                table.values.append(value)
                table.bits.append(bits)
            self.tables[name] = table
        if self.doc_count != self.size:  # deleted documents are not dated
            alive = set(docnums(self.live))
            dated = [(ts, d) for ts, d in dated if d in alive]
        self.published: list[int | None] = [None] * self.size
        for ts, d in dated:
            self.published[d] = ts
        dated.sort()
        self._dated_ts = [ts for ts, _ in dated]
        self._dated_docs = [d for _, d in dated]
        self._date_cache: dict[tuple[date | None, date | None], int] = {}

    def date_bits(self, date_from: date | None, date_to: date | None) -> int:
        """Documents published between the two dates (inclusive, UTC days)."""
        key = (date_from, date_to)
        cached = self._date_cache.get(key)
        if cached is not None:
            return cached
        lo = 0
        hi = len(self._dated_ts)
        if date_from is not None:
            start = datetime.combine(date_from, time.min, tzinfo=UTC)
            lo = bisect.bisect_left(self._dated_ts, _ts(start))
        if date_to is not None and date_to < date.max:
            end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
            hi = bisect.bisect_left(self._dated_ts, _ts(end))
        bits = bitset(self._dated_docs[lo:hi], self.size) if hi > lo else 0
        if len(self._date_cache) > 256:
            self._date_cache.clear()
        self._date_cache[key] = bits
        return bits


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())
