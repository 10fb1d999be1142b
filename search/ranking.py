"""Running Whoosh queries our own way: every match scored once, under a time limit.

``collect`` walks a query's matchers segment by segment and returns every matching
document number with its BM25F score (the engine needs all of them: the total, the
facet counts and the filters work on the whole result set). It checks the clock as
it goes and stops with ``partial=True`` when the time limit is reached, so a query
that matches everything (a wildcard) is cut off instead of holding a thread.

``span_proximity`` rewards documents where query words stand next to each other
(from the matches found in the stored text of the few top candidates), and
``recency_factor`` blends the publication date into a score. ``ReaderBM25F`` is
Whoosh's BM25F with the idf of the BM25 literature.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh.scoring import BM25F

from search.bm25f import bm25_idf

#: Documents scored between two looks at the clock.
CLOCK_EVERY = 256
#: Weight of the recency factor: score * (1 + RECENCY_WEIGHT * decay(age)).
RECENCY_WEIGHT = 1.0
#: Age at which the recency factor has halved.
RECENCY_HALF_LIFE_DAYS = 180.0
#: Query words at most this far apart in the query form a pair...
PROXIMITY_SPAN = 1
#: ...that counts as close in a document within this many words (either order).
PROXIMITY_WINDOW = 2
#: Characters per word, about (to turn the window into a distance in the text).
CHARS_PER_WORD = 7


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


def span_proximity(
    stems: Sequence[str], spans: Sequence[tuple[int, int, str]], window: int
) -> float:
    """Share of the query's neighbouring word pairs found close together in a text.

    Args:
        stems: Index terms of the query's words, in the order typed.
        spans: (start, end, stem) of the matching words of the text, in order
            (``Highlighter.spans``).
        window: Words between two matches that still count as close.

    Returns:
        0..1: pairs of words at most ``PROXIMITY_SPAN`` apart in the query that
        also stand next to each other (in either order) in the text.
    """
    pairs = {
        frozenset((stems[i], stems[j]))
        for i in range(len(stems))
        for j in range(i + 1, min(len(stems), i + 1 + PROXIMITY_SPAN))
        if stems[i] != stems[j]
    }
    if not pairs or len(spans) < 2:
        return 0.0
    gap_chars = window * CHARS_PER_WORD
    found: set[frozenset[str]] = set()
    for (_, end, a), (start, _, b) in zip(spans, spans[1:], strict=False):
        if a != b and start - end <= gap_chars:
            pair = frozenset((a, b))
            if pair in pairs:
                found.add(pair)
    return len(found) / len(pairs)


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
        return bm25_idf(parent.doc_frequency(fieldname, text), parent.doc_count())
