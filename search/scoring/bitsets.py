"""Sets of document numbers as Python ints: bit ``d`` set <=> document ``d`` is in.

AND is ``&``, OR is ``|``, a count is ``int.bit_count()``; they cost microseconds
for the whole index. These are the only helpers that test single bits.
"""

from __future__ import annotations

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
