"""When segments are merged, and by whom.

Every commit adds a segment; searches get slower as segments pile up, so they are
merged. Whoosh merges at commit time, in the committing process, and its merging
is slow: about 35 ms per document of the merged segments (3,000 documents: 94 s of
CPU here), about what indexing them afresh costs.

* The indexer merges with Whoosh's ``MERGE_SMALL`` at each commit: it runs in its
  own (niced) process, so searches do not wait on it.
* A write through the API commits inside a search worker, in the request's thread:
  a merge there holds the GIL that the worker's searches need (a PUT that merged
  3,000 documents kept a worker busy for 48 s). So API writes merge only
  ``merge_tiny``'s few one-document segments, a bounded cost; larger merges are
  left to the next indexer run or to ``analysis-search merge`` (cron, under
  ``nice``), which runs ``merge_index`` in its own process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from whoosh.reading import SegmentReader
from whoosh.writing import MERGE_SMALL, OPTIMIZE

from search.store.index import open_index
from search.store.writing import committing_writer

#: API writes merge segments of at most this many documents...
TINY_SEGMENT_DOCS = 10
#: ...once this many of them exist (so a merge reads at most about 100 documents).
TINY_SEGMENTS = 10


def merge_tiny(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy for API writes: merge the tiny segments, nothing else.

    Args:
        writer: The committing Whoosh writer.
        segments: The index's segments before this commit's own.

    Returns:
        The segments kept as they are (the tiny ones were added to ``writer``
        when there were ``TINY_SEGMENTS`` of them).
    """
    tiny = [s for s in segments if s.doc_count_all() <= TINY_SEGMENT_DOCS]
    if len(tiny) < TINY_SEGMENTS:
        return segments
    merged = {s.segment_id() for s in tiny}
    for seg in tiny:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s.segment_id() not in merged]


@dataclass(frozen=True)
class MergeReport:
    """What ``merge_index`` did."""

    segments_before: int
    segments_after: int
    documents: int


def merge_index(
    index_dir: str | os.PathLike[str], *, everything: bool = False, timeout: float = 60
) -> MergeReport:
    """Merge an index's small segments (or all of them) in this process.

    Args:
        index_dir: The index folder.
        everything: Merge every segment into one (slow: about 35 ms per
            document), not only the small ones (Whoosh's ``MERGE_SMALL``).
        timeout: Seconds to wait for the write lock.

    Returns:
        The segment counts before and after, and the documents.

    Raises:
        IndexUnavailableError: No index in the folder.
        IndexLockedError: Another writer held the lock for ``timeout`` seconds.
    """
    ix = open_index(index_dir)
    before = len(ix._segments())
    with committing_writer(
        ix, timeout, mergetype=OPTIMIZE if everything else MERGE_SMALL
    ):
        pass
    ix = open_index(index_dir)
    with ix.reader() as reader:
        documents = reader.doc_count()
    return MergeReport(before, len(ix._segments()), documents)
