"""Sets of document numbers as Python ints: bit ``d`` set <=> document ``d`` is in.

AND is ``&``, OR is ``|``, a count is ``int.bit_count()``; they cost microseconds
for the whole index. These are the only helpers that test single bits.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Iterable

_BIT = bytes(1 << i for i in range(8))


def bitset(docnums: Iterable[int], size: int) -> int:
    """A bitset with the bits of ``docnums`` set (each below ``size``)."""
    buf = bytearray((size + 7) >> 3)
    bit = _BIT
    for d in docnums:
        buf[d >> 3] |= bit[d & 7]
    return int.from_bytes(buf, "little")


def docnums(bits: int) -> list[int]:
    """Document numbers of the set bits, ascending."""
    out: list[int] = []
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    for i, byte in enumerate(data):
        if byte:
            base = i << 3
            for j in range(8):
                if byte >> j & 1:
                    out.append(base + j)
    return out


def scores_within(scores: dict[int, float], bits: int) -> dict[int, float]:
    """The entries of ``scores`` whose document is in ``bits``."""
    mask = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    n = len(mask)
    return {
        d: s for d, s in scores.items() if (d >> 3) < n and mask[d >> 3] >> (d & 7) & 1
    }


def ranked_within(scores: dict[int, float], bits: int) -> list[tuple[float, int]]:
    """``(score, document)`` pairs of the documents of ``scores`` in ``bits``."""
    return [(s, d) for d, s in scores_within(scores, bits).items()]


def top_scored(scores: dict[int, float], n: int) -> list[tuple[float, int]]:
    """The ``n`` best ``(score, document)`` pairs of ``scores``, best first (equal
    scores: the larger document number first).

    The same as ``heapq.nlargest(n, [(s, d) for d, s in scores.items()])``
    without building a pair for every document: the best ``n`` items are picked
    by score alone, and only when documents tied with the last one picked were
    left out is the pair order needed (then computed the long way).
    """
    if len(scores) <= n:
        return sorted(((s, d) for d, s in scores.items()), reverse=True)
    top = heapq.nlargest(n, scores.items(), key=operator.itemgetter(1))
    last = top[-1][1]
    kept = sum(1 for _, s in top if s == last)
    if operator.countOf(scores.values(), last) != kept:
        return heapq.nlargest(n, ((s, d) for d, s in scores.items()))
    return sorted(((s, d) for d, s in top), reverse=True)
