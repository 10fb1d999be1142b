"""The index's words in memory, per generation: typo corrections and completions.

Built from the lexicon of the unstemmed, accent-folded ``spell`` field (stemmed
terms make poor suggestions: WHOOSH-NOTES). ``SpellVocab`` answers document
frequencies and prefix completions from a sorted word list; ``ReaderVocabulary``
adds typo corrections through the thread's own reader (Whoosh's automaton walk over
the lexicon) and is what ``search.query.build.build_plain`` consumes.
"""

from __future__ import annotations

import bisect
import heapq
from typing import Any

from whoosh.support.levenshtein import damerau_levenshtein

from search import schema
from search.cache import LRUCache

#: Close words kept per looked-up word.
FUZZY_CACHED = 8


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance of two words (more than ``limit``: limit + 1)."""
    return int(damerau_levenshtein(a, b, limit=limit))


class SpellVocab:
    """Sorted words of the ``spell`` field with their document frequencies."""

    def __init__(self, reader: Any) -> None:
        """Read the whole ``spell`` lexicon of one generation."""
        words: list[str] = []
        dfs: list[int] = []
        for btext, info in reader.iter_field(schema.SPELL):
            words.append(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
            dfs.append(info.doc_frequency())
        self.words = words
        self.dfs = dfs
        self.index = {w: i for i, w in enumerate(words)}
        self._completions: LRUCache[list[tuple[str, int]]] = LRUCache(4096)
        #: (word, maxdist) -> close words, best first (``ReaderVocabulary.fuzzy``).
        self.fuzzy_cache: LRUCache[list[tuple[str, int]]] = LRUCache(4096)

    def df(self, word: str) -> int:
        """Documents containing the word (0 when unknown)."""
        i = self.index.get(word)
        return self.dfs[i] if i is not None else 0

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


class ReaderVocabulary:
    """``search.query.Vocabulary`` over one generation's words and a thread's reader."""

    def __init__(self, vocab: SpellVocab, reader: Any) -> None:
        """Combine the in-memory words with the calling thread's reader."""
        self.vocab = vocab
        self.reader = reader

    def spell_df(self, word: str) -> int:
        """Documents containing ``word``."""
        return self.vocab.df(word)

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
        cached = self.vocab.fuzzy_cache.get(key)
        if cached is not None:
            return cached[:limit]
        index = self.vocab.index
        # every word one edit away, looked up: no lexicon walk
        cands = {e for e in edits1(word) if e in index}
        if maxdist >= 2:
            # two edits: Whoosh's automaton over the words sharing the first two
            # letters (a walk from the first letter costs twice as much), plus a
            # swap and one more edit anywhere
            cands.update(
                self.reader.terms_within(schema.SPELL, word, maxdist, prefix=2)
            )
            for swapped in transpositions(word):
                if swapped in index:
                    cands.add(swapped)
                # a swap and one more edit
                cands.update(e for e in edits1(swapped) if e in index)
        found: list[tuple[int, int, str]] = []
        for cand in cands:
            if cand == word or not (cand[:1] == word[:1] or cand[:2] == word[1::-1]):
                continue
            df = self.vocab.df(cand)
            if not df:
                continue
            dist = edit_distance(word, cand, maxdist)
            if dist <= maxdist:
                found.append((dist, -df, cand))
        found.sort()
        out = [(w, -negdf) for _, negdf, w in found[:FUZZY_CACHED]]
        self.vocab.fuzzy_cache.put(key, out)
        return out[:limit]

    def completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Known words starting with ``prefix``, most frequent first."""
        return self.vocab.completions(prefix, limit)


_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def transpositions(word: str) -> list[str]:
    """``word`` with two neighbouring (different) letters swapped, every way."""
    return [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    ]


def edits1(word: str) -> set[str]:
    """Every string one edit (Damerau) away from ``word`` (ASCII letters, digits)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(transpositions(word))
    out.update(a + c + b[1:] for a, b in splits if b for c in _LETTERS)
    out.update(a + c + b for a, b in splits for c in _LETTERS)
    return out
