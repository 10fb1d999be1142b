"""Score adjustments after matching: proximity of query words, recency.

``span_proximity`` rewards documents where query words stand next to each other
(from the matches found in the stored text of the few top candidates), and
``recency_factor`` blends the publication date into a score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
