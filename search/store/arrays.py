"""A segment's frequent postings as plain arrays in a file beside it, memory-mapped.

Whoosh keeps a term's postings in blocks, each a zlib-compressed pickle of
document numbers, weights and position lists: every search that meets a term not
yet in memory decompresses and unpickles its blocks (a fifth of a search's CPU in
the profile of ``benchmarks/RESULTS.md``), and a phrase does it again for the
positions. Segments never change once written, so that work can be done once per
segment instead of once per request and process:

* ``build`` writes ``<segment id>.arrays`` for a committed segment: for each term of
  the ranked fields found in at least ``MIN_DF`` documents, its document numbers
  (int32), weights (float32) and positions (uint32), as four concatenated arrays
  behind a small pickled term table. The indexer builds it after each commit for
  segments of at least ``MIN_DOCS`` documents; smaller segments (API writes) are
  cheap to read from Whoosh.
* ``for_reader`` maps it (shared by every process through the page cache) and
  answers a term's postings and a candidate's positions as zero-copy views.

The name follows Whoosh's segment file pattern, so Whoosh deletes the file with
its segment when segments are merged away, and ``Segment.list_files`` (snapshots)
includes it. Every reader falls back to Whoosh's blocks when the file is missing,
unreadable or lacks a term.
"""

from __future__ import annotations

import mmap
import os
import pickle
import shutil
import struct
import tempfile
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from search.store.blocks import decode_positions
from search.store.blocks import term_positions as block_positions

#: File name extension (after the segment id).
EXT = ".arrays"
MAGIC = b"ANALYSIS-SEARCH-ARRAYS-1\n"
#: Terms found in fewer documents stay in Whoosh's blocks only (cheap to read).
MIN_DF = 8
#: Segments with fewer documents get no arrays file.
MIN_DOCS = 1000
#: Seconds before a segment found without an arrays file is looked at again (the
#: indexer writes it just after its commit).
RECHECK = 10.0
#: Positions held in memory while building before the arrays go to disk.
SPILL = 4_000_000
_HEADER = struct.Struct("<Q")

TermKey = tuple[str, bytes]


class SegmentArrays:
    """The arrays file of one segment, memory-mapped."""

    def __init__(self, path: Path) -> None:
        """Map ``path`` and read its term table.

        Raises:
            OSError: The file cannot be read.
            ValueError: It is not an arrays file of this version.
        """
        with path.open("rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self._map)
        if bytes(view[: len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path.name}: not an arrays file")
        at = len(MAGIC)
        (size,) = _HEADER.unpack_from(view, at)
        at += _HEADER.size
        header = pickle.loads(view[at : at + size])
        self.terms: dict[TermKey, tuple[int, int]] = header["terms"]
        n = header["postings"]
        at = header["data"]
        self.ids: Any = view[at : at + 4 * n].cast("i")
        self.weights: Any = view[at + 4 * n : at + 8 * n].cast("f")
        self.starts: Any = view[at + 8 * n : at + 12 * n + 4].cast("I")
        at += 12 * n + 4
        self.positions: Any = view[at : at + 4 * header["positions"]].cast("I")

    def postings(self, fieldname: str, btext: bytes) -> tuple[Any, Any] | None:
        """(document numbers, weights) of a term; None when the file lacks it."""
        found = self.terms.get((fieldname, btext))
        if found is None:
            return None
        start, count = found
        return self.ids[start : start + count], self.weights[start : start + count]

    def term_positions(
        self, fieldname: str, btext: bytes, docs: Sequence[int]
    ) -> dict[int, list[int]] | None:
        """Positions of a term in each of ``docs`` holding it; None when the file
        lacks the term."""
        found = self.terms.get((fieldname, btext))
        if found is None:
            return None
        start, count = found
        ids, starts, positions = self.ids, self.starts, self.positions
        end = start + count
        out: dict[int, list[int]] = {}
        lo = start
        for d in docs:  # ascending: each search starts where the last ended
            k = bisect_left(ids, d, lo, end)
            if k == end:
                break
            if ids[k] == d:
                out[d] = list(positions[starts[k] : starts[k + 1]])
            lo = k
        return out


_lock = threading.Lock()
#: (folder, segment id) -> (arrays or None, when looked for).
_open: dict[tuple[str, str], tuple[SegmentArrays | None, float]] = {}


def _segment(reader: Any) -> tuple[str, str] | None:
    """(index folder, segment id) of a segment reader, or None."""
    segment = getattr(reader, "_segment", None)
    storage = getattr(reader, "_storage", None)
    storage = getattr(storage, "b", storage)  # compound segments: the overlay's base
    folder = getattr(storage, "folder", None)
    if segment is None or folder is None or not hasattr(segment, "segment_id"):
        return None
    return str(folder), str(segment.segment_id())


def for_reader(reader: Any) -> SegmentArrays | None:
    """The arrays file of a leaf reader's segment, mapped once per process (None:
    there is none, or the reader is not a segment reader)."""
    key = _segment(reader)
    if key is None:
        return None
    now = time.monotonic()
    hit = _open.get(key)
    if hit is not None and (hit[0] is not None or now - hit[1] < RECHECK):
        return hit[0]
    path = Path(key[0]) / (key[1] + EXT)
    arrays: SegmentArrays | None = None
    if path.exists():
        try:
            arrays = SegmentArrays(path)
        except (OSError, ValueError, pickle.UnpicklingError, KeyError):
            arrays = None  # unreadable: Whoosh's blocks answer instead
    with _lock:
        _open[key] = (arrays, now)
    return arrays


def term_positions(
    reader: Any,
    fieldname: str,
    btext: bytes,
    docs: Sequence[int],
    stop: float | None = None,
) -> dict[int, list[int]]:
    """Positions of a term in each of ``docs`` (ascending) that contains it: from
    the segment's arrays file when it has the term, else from Whoosh's blocks
    (``search.store.blocks.term_positions``, which stops early at ``stop``)."""
    arrays = for_reader(reader)
    if arrays is not None:
        found = arrays.term_positions(fieldname, btext, docs)
        if found is not None:
            return found
    return block_positions(reader, fieldname, btext, docs, stop)


class _Spilled:
    """An array appended to in memory and spilled to a temporary file in chunks,
    so that building the arrays of a large segment needs little memory."""

    def __init__(self, code: str, folder: Path) -> None:
        self.code = code
        self.items: array[Any] = array(code)
        self.count = 0
        self.file = tempfile.TemporaryFile(dir=folder)

    def spill(self) -> None:
        self.items.tofile(self.file)
        self.count += len(self.items)
        self.items = array(self.code)

    def copy_to(self, out: Any) -> None:
        self.spill()
        self.file.seek(0)
        shutil.copyfileobj(self.file, out, 1 << 20)
        self.file.close()


def build(folder: str | os.PathLike[str], reader: Any, fields: Iterable[str]) -> Path:
    """Write the arrays file of one segment (atomically replaced).

    Args:
        folder: The index folder.
        reader: The segment's reader (``whoosh.reading.SegmentReader``).
        fields: Fields whose frequent terms are written (with positions).

    Returns:
        The file written.
    """
    key = _segment(reader)
    assert key is not None, "not a segment reader"
    folder = Path(folder)
    terms: dict[TermKey, tuple[int, int]] = {}
    parts = [_Spilled(code, folder) for code in ("i", "f", "I", "I")]
    ids, weights, starts, positions = parts
    try:
        n_postings = n_positions = 0
        for fieldname in fields:
            if fieldname not in reader.schema or not reader.schema[fieldname].format:
                continue
            for btext, info in reader.iter_field(fieldname):
                if info.doc_frequency() < MIN_DF:
                    continue
                if isinstance(btext, str):
                    btext = btext.encode("utf-8")
                count, n_positions = _read_term(
                    reader,
                    fieldname,
                    btext,
                    ids.items,
                    weights.items,
                    starts.items,
                    positions.items,
                    n_positions,
                )
                terms[(fieldname, btext)] = (n_postings, count)
                n_postings += count
                if len(positions.items) > SPILL:
                    for part in parts:
                        part.spill()
        starts.items.append(n_positions)
        path = folder / (key[1] + EXT)
        tmp = path.with_name(path.name + ".tmp")
        header = {"terms": terms, "postings": n_postings, "positions": n_positions}
        # the arrays start 8-aligned after the header, which records where ("data")
        head = len(MAGIC) + _HEADER.size
        data_at = 0
        while True:
            header["data"] = data_at
            blob = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
            need = -(-(head + len(blob)) // 8) * 8
            if need <= data_at:
                break
            data_at = need
        with tmp.open("wb") as fh:
            fh.write(MAGIC)
            fh.write(_HEADER.pack(len(blob)))
            fh.write(blob)
            fh.write(b"\0" * (data_at - head - len(blob)))
            for part in parts:
                part.copy_to(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path
    finally:
        for part in parts:
            part.file.close()


def _read_term(
    reader: Any,
    fieldname: str,
    btext: bytes,
    ids: array[int],
    weights: array[float],
    starts: array[int],
    positions: array[int],
    n_positions: int,
) -> tuple[int, int]:
    """Append a term's postings, block by block (deleted documents included, as
    ``search.store.blocks.read_postings`` reads them).

    Returns:
        (postings appended, positions written so far in all).
    """
    m = reader.postings(fieldname, btext)
    leaf = getattr(m, "child", m)
    decode = m.format.decode_positions
    count = 0
    while not leaf._atend and leaf._blocklength:
        leaf._read_ids()
        leaf._read_weights()
        leaf._read_values()
        ids.extend(leaf._ids)
        weights.extend(leaf._weights)
        count += len(leaf._ids)
        for value in leaf._values:
            starts.append(n_positions)
            found = decode_positions(value, decode)
            positions.extend(found)
            n_positions += len(found)
        leaf._next_block()
    return count, n_positions


def build_missing(
    folder: str | os.PathLike[str], ix: Any, fields: Iterable[str]
) -> int:
    """Write the arrays files that the index's current segments of at least
    ``MIN_DOCS`` documents lack.

    Returns:
        The number of files written.
    """
    wanted = tuple(fields)
    written = 0
    with ix.reader() as top:
        for reader in _leaves(top):
            key = _segment(reader)
            if key is None or reader.doc_count_all() < MIN_DOCS:
                continue
            if (Path(folder) / (key[1] + EXT)).exists():
                continue
            build(folder, reader, wanted)
            written += 1
    return written


def _leaves(reader: Any) -> list[Any]:
    if reader.is_atomic():
        return [reader]
    return [sub for sub, _ in reader.leaf_readers()]
