"""What is computed once per index generation and shared by every thread."""

from __future__ import annotations

import threading
from typing import Any

from search import schema
from search.cache import LRUCache
from search.engine.facets import FacetIndex
from search.engine.suggest import TitleIndex
from search.models import Hit
from search.query.vocab import SpellVocab
from search.scoring.postings import SegmentCache, TermScores

#: Related-post answers kept per generation.
RELATED_CACHE_SIZE = 1024


class Generation:
    """Facet bitsets, term scores, the word list, titles and related posts of one
    index generation."""

    def __init__(self, generation: int, searcher: Any, segments: SegmentCache) -> None:
        """Build the facet tables from ``searcher`` (a searcher of this generation)."""
        self.generation = generation
        self._segments = segments
        self.facets = FacetIndex(searcher.reader())
        self.terms = TermScores(searcher, segments)
        self.lock = threading.Lock()
        self._vocab: SpellVocab | None = None
        #: The previous generation's words, used until this one's are read.
        self.previous_vocab: SpellVocab | None = None
        self.titles: TitleIndex | None = None
        #: The previous generation's titles, used until this one's are read.
        self.previous_titles: TitleIndex | None = None
        self.related: LRUCache[list[Hit]] = LRUCache(RELATED_CACHE_SIZE)
        self._hidden: tuple[frozenset[str], int] = (frozenset(), 0)

    def hidden_bits(self, searcher: Any, hidden: frozenset[str]) -> int:
        """The documents of this generation whose ids are hidden, as a bitset."""
        ids, bits = self._hidden
        if ids is hidden or ids == hidden:
            return bits
        bits = 0
        for doc_id in hidden:
            docnum = searcher.document_number(**{schema.ID_FIELD: doc_id})
            if docnum is not None:
                bits |= 1 << docnum
        self._hidden = (hidden, bits)
        return bits

    @property
    def newest_vocab(self) -> SpellVocab | None:
        """This generation's words when read, else the previous generation's."""
        return self._vocab or self.previous_vocab

    @property
    def newest_titles(self) -> TitleIndex | None:
        """This generation's titles when read, else the previous generation's."""
        return self.titles or self.previous_titles

    def vocab(self, reader: Any) -> SpellVocab:
        """The ``spell`` words of this generation, or the previous generation's
        while this one's are read in the background (typo fixes and completions
        may miss the newest words for a moment; nothing else depends on them)."""
        if self._vocab is not None:
            return self._vocab
        if self.previous_vocab is not None:
            return self.previous_vocab
        return self.build_vocab(reader)

    def build_vocab(self, reader: Any) -> SpellVocab:
        """Read this generation's words (once)."""
        if self._vocab is None:
            with self.lock:
                if self._vocab is None:
                    self._vocab = SpellVocab(
                        reader, lambda leaf: self._segments.leaf_dfs(leaf, schema.SPELL)
                    )
                    self.previous_vocab = None
        return self._vocab
