"""The index's words in memory, per generation: typo corrections and completions.

Built from the lexicon of the unstemmed, accent-folded ``spell`` field (stemmed
terms make poor suggestions: WHOOSH-NOTES). ``SpellVocab`` answers document
frequencies, prefix completions and typo corrections from a sorted word list, and is
the ``search.query.build.Vocabulary`` that ``build_plain`` and ``correct_words``
consume.

Typo corrections compare the typed word with every known word of the same first
letter (or of its first two letters swapped) in RapidFuzz's C++ edit-distance
kernels: a few hundred microseconds, where Whoosh's automaton walk over the lexicon
took milliseconds per word.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from search import schema
from search.cache import LRUCache

#: Close words kept per looked-up word.
FUZZY_CACHED = 8


class SpellVocab:
    """Sorted words of the ``spell`` field with their document frequencies."""

    def __init__(
        self,
        reader: Any,
        segment_dfs: Callable[[Any], dict[str, int] | None] | None = None,
    ) -> None:
        """Read the whole ``spell`` lexicon of one generation.

        Args:
            reader: A reader of the generation.
            segment_dfs: Gives a segment's own table of word -> document frequency
                (None: not a segment reader), kept by the caller across
                generations: segments never change, so a commit that adds a small
                segment costs only that segment's words plus combining the tables.
                None: every segment's lexicon is read here.
        """
        # segment by segment: Whoosh's merged walk over several segments looks
        # every term up in each of them (seconds at 10,000 documents)
        leaves = (
            [reader] if reader.is_atomic() else [r for r, _ in reader.leaf_readers()]
        )
        tables = []
        for leaf in leaves:
            table = segment_dfs(leaf) if segment_dfs is not None else None
            tables.append(table if table is not None else _read(leaf))
        tables.sort(key=len, reverse=True)
        counts: dict[str, int] = dict(tables[0]) if tables else {}
        get = counts.get
        for table in tables[1:]:
            for word, df in table.items():
                counts[word] = get(word, 0) + df
        words = sorted(counts)
        self.words = words
        self.dfs = list(map(counts.__getitem__, words))
        self._counts = counts
        self._completions: LRUCache[list[tuple[str, int]]] = LRUCache(4096)
        #: (word, maxdist) -> close words, best first (``fuzzy``).
        self.fuzzy_cache: LRUCache[list[tuple[str, int]]] = LRUCache(4096)

    def df(self, word: str) -> int:
        """Documents containing the word (0 when unknown)."""
        return self._counts.get(word, 0)

    spell_df = df

    def starting_with(self, prefix: str) -> list[str]:
        """Known words that start with ``prefix`` (the word itself included)."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        return self.words[lo:hi]

    def completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Words that start with ``prefix`` (and are longer), most frequent first."""
        key = (limit, prefix)
        hit = self._completions.get(key)
        if hit is not None:
            return hit
        lo = bisect.bisect_right(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        idx = heapq.nlargest(limit, range(lo, hi), key=self.dfs.__getitem__)
        out = [(self.words[i], self.dfs[i]) for i in idx]
        self._completions.put(key, out)
        return out

    def fuzzy(self, word: str, maxdist: int, limit: int) -> list[tuple[str, int]]:
        """Known words within ``maxdist`` edits, closest first, then most frequent.

        Edits are Damerau's: swapping two neighbouring letters is one edit
        (``enegry`` -> ``energy``), as in Meilisearch and Typesense. The first
        letter must match, unless it was swapped with the second; with two edits,
        a word whose first two letters differ is found only when one of the edits
        is a swap (or the word is one edit away).
        """
        if maxdist <= 0 or not word:
            return []
        key = (word, maxdist)
        cached = self.fuzzy_cache.get(key)
        if cached is not None:
            return cached[:limit]
        pool = self.starting_with(word[0])
        if len(word) > 1 and word[0] != word[1]:
            pool += self.starting_with(word[1] + word[0])
        close = process.extract(
            word, pool, scorer=OSA.distance, score_cutoff=maxdist, limit=None
        )
        swaps = transpositions(word)
        found: list[tuple[int, int, str]] = []
        for cand, dist, _ in close:
            if cand == word:
                continue
            if dist > 1 and not (
                (cand[:2] == word[:2] and Levenshtein.distance(word, cand) <= maxdist)
                or any(OSA.distance(s, cand) <= dist - 1 for s in swaps)
            ):
                continue  # two edits that change the first two letters, no swap
            df = self.df(cand)
            if df:
                found.append((int(dist), -df, cand))
        found.sort()
        out = [(w, -negdf) for _, negdf, w in found[:FUZZY_CACHED]]
        self.fuzzy_cache.put(key, out)
        return out[:limit]


def _read(leaf: Any) -> dict[str, int]:
    """Word -> document frequency of one segment's ``spell`` lexicon."""
    return {
        (t.decode("utf-8") if isinstance(t, bytes) else t): i.doc_frequency()
        for t, i in leaf.iter_field(schema.SPELL)
    }


def transpositions(word: str) -> list[str]:
    """``word`` with two neighbouring (different) letters swapped, every way."""
    return [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    ]
