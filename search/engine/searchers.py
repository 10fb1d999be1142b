"""One Whoosh searcher per thread, kept current with the index on disk.

Whoosh requires a searcher per thread, and ``searcher.refresh()`` must not be used:
it reuses segment readers that keep their old deletions (a replaced or deleted
document would still be found). So each thread holds a slot whose searcher is
swapped for a fresh one between requests when a newer generation is committed.

Every request costs one ``stat`` of the index path, which tells two things:

* the folder changed (its modification time moved: a commit wrote a new table of
  contents), so this thread looks for a new generation: a write made by any
  process, another worker included, is seen by the next search;
* the path now names another folder (a snapshot switched in by replacing a
  symlink): the new folder is opened and every thread moves to it between two of
  its requests. A folder that cannot be opened is logged and the old one kept.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.index import EmptyIndexError

from search.engine.generations import Generations
from search.errors import IndexUnavailableError, SearchError
from search.scoring.bm25f import engine_weighting
from search.store.index import open_index

logger = logging.getLogger(__name__)

#: A folder modified this recently (seconds) is checked for a new generation on
#: every request: modification times are coarse, a commit may share one.
RECENT_CHANGE = 0.05
#: Seconds before a folder that could not be opened is tried again.
RETRY_OPEN = 5.0


@dataclass(frozen=True, slots=True)
class OpenIndex:
    """One opened index folder and what is shared by the threads searching it."""

    ix: Any
    #: (device, inode) of the folder the index path named when it was opened.
    identity: tuple[int, int]
    #: Bumped each time the index path is switched to another folder.
    epoch: int
    generations: Generations


class Searchers:
    """The threads' searchers over the index folder at ``index_dir``."""

    def __init__(self, index_dir: Path, refresh_interval: float) -> None:
        """Open the index at ``index_dir`` (a folder, or a symlink to one).

        Raises:
            IndexUnavailableError: No index there.
            SchemaMismatchError: It was built with another schema.
        """
        self.index_dir = index_dir
        self.refresh_interval = refresh_interval
        # by its real path: once a symlink is switched, this index's files must
        # still be read from the folder it named when it was opened
        ix = open_index(os.path.realpath(index_dir))
        st = self._stat()
        self._open = OpenIndex(ix, (st.st_dev, st.st_ino), 0, Generations(ix))
        self._switch_lock = threading.Lock()
        self._failed: tuple[tuple[int, int], float] | None = None
        self._local = threading.local()
        #: Every thread's searcher slot, to close them all in ``close()``.
        self._slots: weakref.WeakSet[_Slot] = weakref.WeakSet()
        self._slots_lock = threading.Lock()
        self._min_generation = -1
        self._closed = False

    @property
    def opened(self) -> OpenIndex:
        """The index folder searches go to now."""
        return self._open

    def current(self) -> tuple[Any, OpenIndex]:
        """This thread's searcher, current with the index, and its open index.

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
                f"index {str(self.index_dir)!r} cannot be read: {exc}"
            ) from exc

    def _stat(self) -> os.stat_result:
        return os.stat(self.index_dir)

    def _current(self) -> tuple[Any, OpenIndex]:
        st = self._stat()
        opened = self._open
        if (st.st_dev, st.st_ino) != opened.identity:
            opened = self._switch(st)
        slot: _Slot | None = getattr(self._local, "slot", None)
        now = time.monotonic()
        if slot is None:
            slot = _Slot(opened.ix.searcher(weighting=engine_weighting()), opened, now)
            slot.mtime = st.st_mtime_ns
            self._local.slot = slot
            with self._slots_lock:
                self._slots.add(slot)
            return slot.searcher, opened
        if slot.opened is not opened:
            slot.replace(opened.ix.searcher(weighting=engine_weighting()), opened)
            slot.mtime = st.st_mtime_ns
            slot.checked = now
            return slot.searcher, opened
        changed = st.st_mtime_ns != slot.mtime
        recent = time.time() - st.st_mtime < RECENT_CHANGE
        if (
            changed
            or recent
            or now - slot.checked >= self.refresh_interval
            or slot.searcher.reader().generation() < self._min_generation
        ):
            slot.checked = now
            slot.mtime = st.st_mtime_ns
            if not slot.searcher.up_to_date():
                fresh = opened.ix.searcher(weighting=slot.searcher.weighting)
                slot.replace(fresh, opened)  # the old one is this thread's alone
        return slot.searcher, opened

    def _switch(self, st: os.stat_result) -> OpenIndex:
        """The index path names another folder now: open it (once, for every
        thread), or keep the old one when it cannot be opened."""
        identity = (st.st_dev, st.st_ino)
        with self._switch_lock:
            opened = self._open
            if opened.identity == identity:
                return opened  # another thread switched already
            failed = self._failed
            if failed and failed[0] == identity and time.monotonic() < failed[1]:
                return opened
            try:
                ix = open_index(os.path.realpath(self.index_dir))
            except (SearchError, OSError) as exc:
                logger.error(
                    "index %s now names a folder that cannot be opened (%s); "
                    "still serving the previous one",
                    self.index_dir,
                    exc,
                )
                self._failed = (identity, time.monotonic() + RETRY_OPEN)
                return opened
            # segments never change: postings read from the old folder's copies
            # of the same segments are still right
            generations = Generations(ix, opened.generations.segments)
            self._open = OpenIndex(ix, identity, opened.epoch + 1, generations)
            self._min_generation = -1
            logger.info("switched to the index folder now at %s", self.index_dir)
            return self._open

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
        self._open.ix.close()


class _Slot:
    """A thread's searcher; closed when replaced, when the engine closes, or when
    the thread ends and its thread-local data is dropped (open files otherwise
    leak until garbage collection)."""

    __slots__ = ("searcher", "opened", "checked", "mtime", "_closed", "__weakref__")

    def __init__(self, searcher: Any, opened: OpenIndex, checked: float) -> None:
        self.searcher = searcher
        self.opened = opened
        self.checked = checked
        self.mtime = 0
        self._closed = False

    def replace(self, searcher: Any, opened: OpenIndex) -> None:
        old = self.searcher
        self.searcher = searcher
        self.opened = opened
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
