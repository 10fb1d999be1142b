"""One Whoosh searcher per thread, replaced by a fresh one when the index changed.

Whoosh requires a searcher per thread, and ``searcher.refresh()`` must not be used:
it reuses segment readers that keep their old deletions (a replaced or deleted
document would still be found). So each thread holds a slot whose searcher is
swapped for a new one between requests when a newer generation is committed.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from whoosh.index import EmptyIndexError

from search.errors import IndexUnavailableError
from search.scoring.bm25f import ReaderBM25F

#: BM25 parameters, tuned on the Cranfield development queries (k1 above the
#: textbook 1.2: repeated words in a field keep counting for longer).
BM25_B = 0.9
BM25_K1 = 3.0


def weighting() -> ReaderBM25F:
    """The scoring of every searcher of the engine."""
    return ReaderBM25F(B=BM25_B, K1=BM25_K1)


class Searchers:
    """The threads' searchers over one open index."""

    def __init__(self, ix: Any, index_dir: str, refresh_interval: float) -> None:
        """Serve searchers of ``ix``; check for a new generation at most every
        ``refresh_interval`` seconds, or at once after ``written()``."""
        self._ix = ix
        self._index_dir = index_dir
        self.refresh_interval = refresh_interval
        self._local = threading.local()
        #: Every thread's searcher slot, to close them all in ``close()``.
        self._slots: weakref.WeakSet[_Slot] = weakref.WeakSet()
        self._slots_lock = threading.Lock()
        self._min_generation = -1
        self._closed = False

    def current(self) -> Any:
        """This thread's searcher, refreshed when the index changed.

        Raises:
            IndexUnavailableError: The engine is closed or the index cannot be read
                (its folder vanished).
        """
        if self._closed:
            raise IndexUnavailableError("the search engine is closed")
        try:
            return self._current()
        except (OSError, EmptyIndexError) as exc:
            raise IndexUnavailableError(
                f"index {self._index_dir!r} cannot be read: {exc}"
            ) from exc

    def _current(self) -> Any:
        slot: _Slot | None = getattr(self._local, "slot", None)
        now = time.monotonic()
        if slot is None:
            slot = _Slot(self._ix.searcher(weighting=weighting()), now)
            self._local.slot = slot
            with self._slots_lock:
                self._slots.add(slot)
        elif (
            now - slot.checked >= self.refresh_interval
            or slot.searcher.reader().generation() < self._min_generation
        ):
            slot.checked = now
            if not slot.searcher.up_to_date():
                fresh = self._ix.searcher(weighting=slot.searcher.weighting)
                slot.replace(fresh)  # the old one is this thread's: nobody shares it
        return slot.searcher

    def written(self, generation: int) -> None:
        """A write of this process committed ``generation``: every thread's next
        search sees it (without waiting for the refresh interval)."""
        self._min_generation = generation

    def close(self) -> None:
        """Close every thread's searcher (no searches may be running)."""
        self._closed = True
        with self._slots_lock:
            slots = list(self._slots)
        for slot in slots:
            slot.close()


class _Slot:
    """A thread's searcher; closed when replaced, when the engine closes, or when
    the thread ends and its thread-local data is dropped (open files otherwise
    leak until garbage collection)."""

    __slots__ = ("searcher", "checked", "_closed", "__weakref__")

    def __init__(self, searcher: Any, checked: float) -> None:
        self.searcher = searcher
        self.checked = checked
        self._closed = False

    def replace(self, searcher: Any) -> None:
        old = self.searcher
        self.searcher = searcher
        old.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.searcher.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # a finaliser: nothing left to report to
            pass
