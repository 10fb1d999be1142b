"""Running raw Whoosh queries our own way: every match scored once, under a time limit.

``collect`` walks a query's matchers segment by segment and returns every matching
document number with its BM25F score (the engine needs all of them: the total, the
facet counts and the filters work on the whole result set). It checks the clock as
it goes and stops with ``partial=True`` when the time limit is reached, so a query
that matches everything (a wildcard) is cut off instead of holding a thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

#: Documents scored between two looks at the clock.
CLOCK_EVERY = 256


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
