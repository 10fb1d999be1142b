"""Running Whoosh queries our own way: every match scored once, under a time limit.

``collect`` walks a query's matchers segment by segment and returns every matching
document number with its BM25F score (the engine needs all of them: the total, the
facet counts and the filters work on the whole result set). It checks the clock as
it goes and stops with ``partial=True`` when the time limit is reached, so a query
that matches everything (a wildcard) is cut off instead of holding a thread.

``coverage`` counts how many of a query's clauses each document matches (the
fallback when not every word is found), ``proximity`` rewards documents where query
words stand next to each other (read from the postings' positions of the few top
candidates only), and ``recency`` blends the publication date into a score.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh.scoring import BM25F

from search import schema

#: Documents scored between two looks at the clock.
CLOCK_EVERY = 256
#: Weight of the recency factor: score * (1 + RECENCY_WEIGHT * decay(age)).
RECENCY_WEIGHT = 1.0
#: Age at which the recency factor has halved.
RECENCY_HALF_LIFE_DAYS = 180.0
#: Fields whose word positions count for the proximity boost, with their weights.
PROXIMITY_FIELDS: dict[str, float] = {schema.TITLE: 1.0, schema.BODY: 0.6}
#: Proximity boost when every pair of neighbouring query words is adjacent.
PROXIMITY_WEIGHT = 0.5
#: Query words at most this far apart in the query form a pair...
PROXIMITY_SPAN = 1
#: ...that counts as close in a document within this many words (either order).
PROXIMITY_WINDOW = 2
#: How many of the best documents the proximity boost re-ranks.
PROXIMITY_CANDIDATES = 100


@dataclass(slots=True)
class Collected:
    """Every document a query matched, with scores, in document-number order."""

    docs: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    partial: bool = False


def collect(searcher: Any, q: Any, deadline: float | None) -> Collected:
    """Score every document matching ``q``.

    Args:
        searcher: The top-level Whoosh searcher.
        q: A Whoosh query.
        deadline: ``time.perf_counter()`` value after which collecting stops.

    Returns:
        The matches; ``partial`` when the deadline cut the collection short.
    """
    out = Collected()
    docs = out.docs
    scores = out.scores
    context = searcher.context(needs_current=True, weighting=searcher.weighting)
    clock = time.perf_counter
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, context)
        n = 0
        while m.is_active():
            docs.append(offset + m.id())
            scores.append(m.score())
            m.next()
            n += 1
            if deadline is not None and n % CLOCK_EVERY == 0 and clock() > deadline:
                out.partial = True
                return out
    return out


def match_ids(searcher: Any, q: Any) -> list[int]:
    """Document numbers matching ``q``, unscored."""
    out: list[int] = []
    context = searcher.boolean_context()
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, context)
        if m.is_active():
            out.extend(offset + d for d in m.all_ids())
    return out


def coverage(searcher: Any, clauses: Sequence[Any], docs: Sequence[int]) -> list[int]:
    """How many of ``clauses`` each document of ``docs`` matches."""
    counts = dict.fromkeys(docs, 0)
    for q in clauses:
        for d in match_ids(searcher, q):
            if d in counts:
                counts[d] += 1
    return [counts[d] for d in docs]


def _positions(
    searcher: Any, fieldname: str, stem: str, docs: Sequence[int]
) -> dict[int, list[int]]:
    """Positions of ``stem`` in ``fieldname`` for each of ``docs`` (ascending)."""
    out: dict[int, list[int]] = {}
    reader = searcher.reader()
    try:
        if (fieldname, stem) not in reader:
            return out
    except (TypeError, ValueError):
        return out
    for sub, offset in searcher.leaf_searchers():
        subreader = sub.reader()
        if (fieldname, stem) not in subreader:
            continue
        limit = offset + subreader.doc_count_all()
        local = [d - offset for d in docs if offset <= d < limit]
        if not local:
            continue
        m = subreader.postings(fieldname, stem)
        for d in local:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                out[d + offset] = list(m.value_as("positions"))
    return out


def proximity(
    searcher: Any, stems: Sequence[str], docs: Sequence[int]
) -> dict[int, float]:
    """A 0..1 closeness figure per document: the share of pairs of nearby query
    words (at most ``PROXIMITY_SPAN`` apart in the query) that also stand within
    ``PROXIMITY_WINDOW`` words of each other in the title or body.

    Args:
        searcher: The top-level searcher.
        stems: Index terms of the query's words, in the order typed.
        docs: The candidates (a few dozen).

    Returns:
        Document number -> weighted share of close pairs (missing: 0).
    """
    pairs = [
        (stems[i], stems[j])
        for i in range(len(stems))
        for j in range(i + 1, min(len(stems), i + 1 + PROXIMITY_SPAN))
        if stems[i] != stems[j]
    ]
    if not pairs or not docs:
        return {}
    ordered = sorted(docs)
    total = len(pairs) * sum(PROXIMITY_FIELDS.values())
    offsets = [k for k in range(-PROXIMITY_WINDOW, PROXIMITY_WINDOW + 1) if k]
    result: dict[int, float] = {}
    for fieldname, weight in PROXIMITY_FIELDS.items():
        pos = {s: _positions(searcher, fieldname, s, ordered) for s in set(stems)}
        for d in ordered:
            hits = 0
            for a, b in pairs:
                pa = pos[a].get(d)
                pb = pos[b].get(d)
                if not pa or not pb:
                    continue
                sb = set(pb)
                if any((p + k) in sb for p in pa for k in offsets):
                    hits += 1
            if hits:
                result[d] = result.get(d, 0.0) + weight * hits / total
    return result


def recency_factor(published: int | None, now: float) -> float:
    """``1 + RECENCY_WEIGHT * 0.5 ** (age / half-life)``; 1 for undated documents."""
    if published is None:
        return 1.0
    age_days = max(0.0, (now - published) / 86400.0)
    return 1.0 + RECENCY_WEIGHT * math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)


class ReaderBM25F(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with the Robertson–Spärck Jones idf of the BM25 literature.

    Whoosh's default idf, ``log(N / (df + 1)) + 1``, gives common words a floor of
    1, so in a long question the many frequent words drown the few rare ones that
    say what it is about. ``log(1 + (N - df + 0.5) / (df + 0.5))`` keeps common
    words near zero. Live documents are counted, not deleted ones.
    """

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        """Inverse document frequency of a term."""
        parent = searcher.get_parent()
        df = parent.doc_frequency(fieldname, text)
        n = parent.doc_count()
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
