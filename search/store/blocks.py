"""Reading Whoosh posting blocks directly: ids and weights, positions of candidates.

Whoosh's matchers decode a posting list one document at a time through several
layers of method calls; reading a block's arrays at once is what makes in-memory
scoring and phrase checks affordable. This uses private names of whoosh-reloaded
2.7.5's ``W3LeafMatcher`` and segment readers (``search.store.pinned``); every
function falls back to the public matcher API when they are missing.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Sequence
from itertools import accumulate
from pickle import loads
from typing import Any


def read_postings(reader: Any, fieldname: str, btext: bytes) -> tuple[Any, Any]:
    """Every posting of a term in a segment, block by block (deleted ones included)."""
    if (fieldname, btext) not in reader:
        return (), ()
    m = reader.postings(fieldname, btext)
    leaf = getattr(m, "child", m)  # unwrap the matcher that hides deleted docs
    ids = array("i")
    weights = array("f")
    if hasattr(leaf, "_read_ids") and hasattr(leaf, "_atend"):
        # W3LeafMatcher (whoosh-reloaded 2.7.5): a block at a time
        while not leaf._atend and leaf._blocklength:
            leaf._read_ids()
            leaf._read_weights()
            ids.extend(leaf._ids)
            weights.extend(leaf._weights)
            leaf._next_block()
        return ids, weights
    while m.is_active():  # any other matcher: the slow, public way
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return ids, weights


def segment_key(reader: Any) -> str | None:
    """A stable id of a leaf reader's segment (None: not a segment reader)."""
    segment = getattr(reader, "_segment", None)
    if segment is None or not hasattr(segment, "segment_id"):
        return None
    return str(segment.segment_id())


def term_positions(
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
                    out[docs[i]] = decode_positions(values[k], decode)
                i += 1
        leaf._next_block()
    return out


def decode_positions(value: bytes, decode: Any) -> list[int]:
    """Positions of a ``Positions``-format posting value (Whoosh 2.7's encoding:
    a 4-byte count, then the pickled position deltas without the final STOP)."""
    try:
        return list(accumulate(loads(value[4:] + b".")))
    except Exception:  # not the encoding assumed: Whoosh's own decoder
        return list(decode(value))
