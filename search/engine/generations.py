"""The generations the engine has seen: their shared state, built once each, and the
background threads that read a new generation's common terms, words and titles."""

from __future__ import annotations

import logging
import threading
from typing import Any

from search import schema
from search.engine.generation import Generation
from search.engine.suggest import SegmentTitles, TitleIndex
from search.scoring.bm25f import engine_weighting
from search.scoring.postings import SegmentCache
from search.store.blocks import segment_key

logger = logging.getLogger(__name__)

#: Generations kept besides the newest (threads may still be answering from them).
KEEP_OLDER = 2
#: Seconds after a new generation appears before its warming starts.
WARM_DELAY = 2.0


class Generations:
    """Per-generation state of one index, shared by every thread."""

    def __init__(self, ix: Any, segments: SegmentCache | None = None) -> None:
        """Track generations of the open index ``ix``.

        Args:
            ix: The open index.
            segments: Raw postings already read (segments never change, so they
                outlive generations and a switch to a snapshot holding them).
        """
        self._ix = ix
        self._gens: dict[int, Generation] = {}
        self._lock = threading.Lock()
        self.segments = segments if segments is not None else SegmentCache()
        #: The title rows of every segment, for suggestions.
        self.segment_titles = SegmentTitles()
        self._warmer: threading.Thread | None = None

    def of(self, searcher: Any) -> Generation:
        """The state of the searcher's generation (built on first use)."""
        gen = searcher.reader().generation()
        state = self._gens.get(gen)
        if state is None:
            with self._lock:
                state = self._gens.get(gen)
                if state is None:
                    state = self._add(gen, searcher)
        return state

    def _add(self, gen: int, searcher: Any) -> Generation:
        state = Generation(gen, searcher, self.segments)
        if self._gens:
            newest = self._gens[max(self._gens)]
            state.previous_vocab = newest.newest_vocab
            state.previous_titles = newest.newest_titles
        for old in sorted(self._gens)[:-KEEP_OLDER]:
            del self._gens[old]
        self._gens[gen] = state
        live = _segment_keys(searcher)
        self.segments.forget(live)
        self.segment_titles.forget(live)
        self._start_warming()
        return state

    def titles(self, state: Generation, searcher: Any) -> TitleIndex:
        """The generation's titles for suggestions; the previous generation's until
        the warming has read this one's (read here only when there are none)."""
        found = state.newest_titles
        if found is not None:
            return found
        with state.lock:
            if state.titles is None:
                state.titles = TitleIndex(searcher.reader(), self.segment_titles)
        return state.titles

    def _start_warming(self) -> None:
        """Read the postings of new segments' common terms, the words and the titles
        in the background, ``WARM_DELAY`` seconds after a new generation appears.

        The delay lets generations that follow each other quickly (an indexer
        committing while the API writes) be read once, for the newest, instead of
        once each: that work holds the GIL that searches need. Searches meanwhile
        read postings lazily, and typo fixes and completions use the previous
        generation's words and titles.
        """
        if self._warmer is not None and self._warmer.is_alive():
            return
        self._warmer = threading.Timer(WARM_DELAY, self._warm)
        self._warmer.daemon = True
        self._warmer.start()

    def _warm(self) -> None:
        try:
            with self._ix.searcher(weighting=engine_weighting()) as searcher:
                self.segments.warm(searcher, (schema.BODY, schema.TITLE))
                state = self._gens.get(searcher.reader().generation())
                if state is not None:
                    state.build_vocab(searcher.reader())
                    if state.titles is None:
                        titles = TitleIndex(searcher.reader(), self.segment_titles)
                        with state.lock:
                            state.titles = state.titles or titles
                            state.previous_titles = None
        except Exception:  # a background thread: log it, queries read lazily
            logger.exception("reading ahead the common terms failed")


def _segment_keys(searcher: Any) -> set[str]:
    keys = set()
    for sub, _ in searcher.leaf_searchers():
        key = segment_key(sub.reader())
        if key is not None:
            keys.add(key)
    return keys
