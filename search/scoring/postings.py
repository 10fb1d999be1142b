"""Term postings and BM25F scores in memory: searches need not walk Whoosh matchers.

Whoosh keeps each posting block as a zlib-compressed pickle of ids, weights and
positions; reading the 10,000 postings of a common word costs 30–70 ms, and scoring
them through matchers as much again, per query. Here:

* ``SegmentCache`` answers a term's raw postings (ids, term frequencies) from the
  segment's memory-mapped arrays file when it has one (``search.store.arrays``),
  and otherwise keeps those it has read, and the field lengths, per *segment*.
  Segments never change once written (deletions live outside them), so this
  cache survives commits: after a ``PUT /documents/{id}`` only the new small
  segment is read.
* ``TermScores`` (one per index generation) turns them into each document's BM25F
  score for a term searched in weighted fields (see ``search.scoring.bm25f``) and the
  set of those documents as a bitset, cached while the generation lasts.

A search then combines cached dictionaries and bitsets: AND is ``&``, OR is ``|``,
scores are sums.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from search.scoring.bitsets import bitset, scores_within
from search.scoring.bm25f import DEFAULT_B, DEFAULT_K1, bm25_idf
from search.store.arrays import for_reader as segment_arrays
from search.store.blocks import read_postings, segment_key

#: Postings kept in the segment cache at most (8 bytes each: id and frequency).
POSTINGS_BUDGET = 5_000_000
#: Scored documents kept per generation at most (~100 bytes each in a dict).
SCORES_BUDGET = 600_000
#: Most frequent terms of a new segment whose postings are read ahead of queries.
WARM_TERMS = 150

Fields = tuple[tuple[str, float], ...]


class Scored:
    """The documents of a term (or of a clause) with their scores."""

    __slots__ = ("bits", "scores")

    def __init__(self, bits: int, scores: dict[int, float]) -> None:
        self.bits = bits
        self.scores = scores


EMPTY = Scored(0, {})


class SegmentCache:
    """Raw postings and field lengths per segment, shared by every generation."""

    def __init__(self, budget: int = POSTINGS_BUDGET) -> None:
        """An empty cache holding at most ``budget`` postings."""
        self.budget = budget
        self._postings: OrderedDict[tuple[str, str, bytes], tuple[Any, Any]] = (
            OrderedDict()
        )
        self._size = 0
        self._lengths: dict[tuple[str, str], Any] = {}
        self._dfs: dict[tuple[str, str], dict[str, int]] = {}
        self._warmed: set[str] = set()
        self._lock = threading.Lock()

    def postings(
        self, reader: Any, seg: str, fieldname: str, btext: bytes
    ) -> tuple[Any, Any]:
        """(document numbers, term frequencies) of a term in one segment."""
        arrays = segment_arrays(reader)
        if arrays is not None:
            found = arrays.postings(fieldname, btext)
            if found is not None:  # memory-mapped views: nothing to cache
                return found
        key = (seg, fieldname, btext)
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        ids, weights = read_postings(reader, fieldname, btext)
        with self._lock:
            self._postings[key] = (ids, weights)
            self._size += len(ids)
            while self._size > self.budget and len(self._postings) > 1:
                _, (old_ids, _) = self._postings.popitem(last=False)
                self._size -= len(old_ids)
        return ids, weights

    def lengths(self, reader: Any, seg: str, fieldname: str) -> Any:
        """Length of ``fieldname`` in every document of a segment."""
        key = (seg, fieldname)
        found = self._lengths.get(key)
        if found is None:
            dfl = reader.doc_field_length
            found = array(
                "i", (dfl(d, fieldname, 0) or 0 for d in range(reader.doc_count_all()))
            )
            with self._lock:
                self._lengths[key] = found
        return found

    def term_dfs(self, reader: Any, seg: str, fieldname: str) -> dict[str, int]:
        """Document frequency of every term of ``fieldname`` in one segment."""
        key = (seg, fieldname)
        found = self._dfs.get(key)
        if found is None:
            found = {
                (t.decode("utf-8") if isinstance(t, bytes) else t): i.doc_frequency()
                for t, i in reader.iter_field(fieldname)
            }
            with self._lock:
                self._dfs[key] = found
        return found

    def leaf_dfs(self, reader: Any, fieldname: str) -> dict[str, int] | None:
        """``term_dfs`` of a leaf reader's segment (None: not a segment reader)."""
        seg = segment_key(reader)
        return None if seg is None else self.term_dfs(reader, seg, fieldname)

    def warm(self, searcher: Any, fields: Sequence[str]) -> None:
        """Read ahead the postings of the most frequent terms of segments not yet
        seen, so the first queries with common words need not (run in a thread)."""
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            seg = segment_key(reader)
            if seg is None:
                continue
            with self._lock:
                if seg in self._warmed:
                    continue
                self._warmed.add(seg)
            for fieldname in fields:
                self.lengths(reader, seg, fieldname)
                self.term_dfs(reader, seg, fieldname)
                top = reader.most_frequent_terms(fieldname, WARM_TERMS)
                for _, btext in top:
                    if isinstance(btext, str):
                        btext = btext.encode("utf-8")
                    self.postings(reader, seg, fieldname, btext)

    def forget(self, live_segments: set[str]) -> None:
        """Drop what belongs to segments that no longer exist (merged away)."""
        with self._lock:
            for key in [k for k in self._postings if k[0] not in live_segments]:
                ids, _ = self._postings.pop(key)
                self._size -= len(ids)
            for lkey in [k for k in self._lengths if k[0] not in live_segments]:
                del self._lengths[lkey]
            for dkey in [k for k in self._dfs if k[0] not in live_segments]:
                del self._dfs[dkey]
            self._warmed &= live_segments


class TermScores:
    """BM25F scores of terms over one generation's documents, cached."""

    def __init__(
        self, searcher: Any, cache: SegmentCache, budget: int = SCORES_BUDGET
    ) -> None:
        """Bind to a generation through one of its searchers (read only here)."""
        weighting = searcher.weighting
        self.k1 = float(getattr(weighting, "K1", DEFAULT_K1))
        self.b = float(getattr(weighting, "B", DEFAULT_B))
        self.field_b: dict[str, float] = dict(getattr(weighting, "field_b", {}))
        self.cache = cache
        self.size = searcher.doc_count_all()
        self.n_docs = searcher.doc_count()
        self.budget = budget
        self._avgfl: dict[str, float] = {}
        self._norm_arrays: dict[tuple[str, str], Any] = {}
        self._scores: OrderedDict[tuple[Fields, str], Scored] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()

    def _avg(self, searcher: Any, fieldname: str) -> float:
        avg = self._avgfl.get(fieldname)
        if avg is None:
            avg = self._avgfl[fieldname] = searcher.avg_field_length(fieldname) or 1.0
        return avg

    def _norms(
        self, reader: Any, seg: str, fieldname: str, norm_a: float, norm_b: float
    ) -> Any:
        """BM25 length normalisation of every document of a segment's field."""
        key = (seg, fieldname)
        found = self._norm_arrays.get(key)
        if found is None:
            lengths = self.cache.lengths(reader, seg, fieldname)
            found = array("d", [norm_a + norm_b * n for n in lengths])
            with self._lock:
                self._norm_arrays[key] = found
        return found

    def doc_frequencies(self, reader: Any, fieldname: str) -> Callable[[str], int]:
        """A function giving how many documents of this generation hold a term in
        ``fieldname`` (Whoosh's count, deleted documents included), from the
        segments' frequency tables: a lookup through Whoosh searches the lexicon
        of every segment, and related posts look up hundreds of terms at once."""
        leaves = (
            [reader] if reader.is_atomic() else [r for r, _ in reader.leaf_readers()]
        )
        tables: list[dict[str, int]] = []
        others: list[Any] = []
        for leaf in leaves:
            seg = segment_key(leaf)
            if seg is None:
                others.append(leaf)
            else:
                tables.append(self.cache.term_dfs(leaf, seg, fieldname))
        if len(tables) == 1 and not others:
            table = tables[0]
            return lambda term: table.get(term, 0)

        def df(term: str) -> int:
            n = sum(t.get(term, 0) for t in tables)
            return n + sum(int(r.doc_frequency(fieldname, term)) for r in others)

        return df

    def cached(self, fields: Fields, key: str) -> Scored | None:
        """A result stored with ``store`` (None: not cached)."""
        with self._lock:
            hit = self._scores.get((fields, key))
            if hit is not None:
                self._scores.move_to_end((fields, key))
            return hit

    def store(self, fields: Fields, key: str, scored: Scored) -> None:
        """Keep a result (a term's scores, an exact phrase's documents) for this
        generation, under one budget; a key stored already is kept as it is."""
        with self._lock:
            if (fields, key) in self._scores:
                return
            self._scores[(fields, key)] = scored
            self._count += len(scored.scores)
            while self._count > self.budget and len(self._scores) > 1:
                _, old = self._scores.popitem(last=False)
                self._count -= len(old.scores)

    def term(self, searcher: Any, fields: Fields, stem: str) -> Scored:
        """Documents containing ``stem`` in any of ``fields``, with BM25F scores.

        Args:
            searcher: The calling thread's top-level searcher of this generation.
            fields: (field, weight) pairs.
            stem: The index term.
        """
        hit = self.cached(fields, stem)
        if hit is not None:
            return hit
        scored = self._compute(searcher, fields, stem)
        self.store(fields, stem, scored)
        return scored

    def _compute(self, searcher: Any, fields: Fields, stem: str) -> Scored:
        schema = searcher.schema
        found: list[tuple[int, str, float, bytes]] = []
        for fieldname, weight in fields:
            if fieldname not in schema:
                continue
            btext = schema[fieldname].to_bytes(stem)
            n = searcher.doc_frequency(fieldname, btext)
            if n:
                found.append((n, fieldname, weight, btext))
        if not found:
            return EMPTY
        df = max(n for n, _, _, _ in found)
        idf = bm25_idf(df, self.n_docs)
        k1 = self.k1
        scale = idf * (k1 + 1.0)
        # the field with most postings first: it fills the dict in one pass
        found.sort(key=lambda nfwb: -nfwb[0])
        btexts = [(f, w, b) for _, f, w, b in found]
        leaves = searcher.leaf_searchers()
        one_field = len(btexts) == 1
        acc: dict[int, float] = {}
        for fieldname, weight, btext in btexts:
            b = self.field_b.get(fieldname, self.b)
            norm_a = 1.0 - b
            norm_b = b / self._avg(searcher, fieldname)
            # this field's share of each document's score; segments hold disjoint
            # document numbers, so their parts are joined with update()
            part: dict[int, float] = {}
            for sub, offset in leaves:
                reader = sub.reader()
                seg = segment_key(reader)
                if seg is None:
                    ids, tfs = read_postings(reader, fieldname, btext)
                    norms: Any = {
                        d: norm_a
                        + norm_b * (reader.doc_field_length(d, fieldname, 0) or 0)
                        for d in ids
                    }
                else:
                    ids, tfs = self.cache.postings(reader, seg, fieldname, btext)
                    if not ids:
                        continue
                    norms = self._norms(reader, seg, fieldname, norm_a, norm_b)
                if one_field:  # the final scores at once
                    part.update(
                        {
                            offset + d: scale * x / (x + k1)
                            for d, tf in zip(ids, tfs, strict=True)
                            for x in (weight * tf / norms[d],)
                        }
                    )
                else:
                    part.update(
                        {
                            offset + d: weight * tf / norms[d]
                            for d, tf in zip(ids, tfs, strict=True)
                        }
                    )
            if one_field:
                return Scored(bitset(part, self.size), part)
            if not acc:
                acc = part
                continue
            get = acc.get
            for d, x in part.items():
                acc[d] = get(d, 0.0) + x
        scores = {d: scale * t / (t + k1) for d, t in acc.items()}
        return Scored(bitset(scores, self.size), scores)


def union(parts: Sequence[tuple[Scored, float]]) -> Scored:
    """Documents in any part; scores summed (each multiplied by its factor)."""
    parts = [(p, f) for p, f in parts if p.scores]
    if not parts:
        return EMPTY
    if len(parts) == 1 and parts[0][1] == 1.0:
        return parts[0][0]
    bits = 0
    acc: dict[int, float] = {}
    for part, factor in parts:
        bits |= part.bits
        get = acc.get
        for d, s in part.scores.items():
            acc[d] = get(d, 0.0) + s * factor
    return Scored(bits, acc)


def intersection(parts: Sequence[Scored]) -> Scored:
    """Documents in every part; scores summed."""
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    bits = parts[0].bits
    for p in parts[1:]:
        bits &= p.bits
    if not bits:
        return EMPTY
    dicts = sorted((p.scores for p in parts), key=len)
    keys = dicts[0].keys() & dicts[1].keys()
    for other in dicts[2:]:
        keys &= other.keys()
    if len(dicts) == 2:
        a, b = dicts
        return Scored(bits, {d: a[d] + b[d] for d in keys})
    if len(dicts) == 3:
        a, b, c = dicts
        return Scored(bits, {d: a[d] + b[d] + c[d] for d in keys})
    return Scored(bits, {d: sum(x[d] for x in dicts) for d in keys})


def restrict(part: Scored, bits: int) -> Scored:
    """``part`` limited to the documents of ``bits``."""
    keep = part.bits & bits
    if keep == part.bits:
        return part
    if not keep:
        return EMPTY
    return Scored(keep, scores_within(part.scores, keep))
