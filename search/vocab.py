"""The index's words in memory, per generation: typo corrections and completions.

Built from the lexicon of the unstemmed, accent-folded ``spell`` field (stemmed
terms make poor suggestions: WHOOSH-NOTES). ``SpellVocab`` answers document
frequencies and prefix completions from a sorted word list; ``ReaderVocabulary``
adds typo corrections through the thread's own reader (Whoosh's automaton walk over
the lexicon) and is what ``search.query.build_plain`` consumes.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections import OrderedDict
from typing import Any

from whoosh.support.levenshtein import damerau_levenshtein

from search import schema
from search.query import spell_words


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
        self._completions: OrderedDict[str, list[tuple[str, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def df(self, word: str) -> int:
        """Documents containing the word (0 when unknown)."""
        i = self.index.get(word)
        return self.dfs[i] if i is not None else 0

    def completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Words that start with ``prefix`` (and are longer), most frequent first."""
        key = f"{limit}\x00{prefix}"
        with self._lock:
            hit = self._completions.get(key)
            if hit is not None:
                self._completions.move_to_end(key)
                return hit
        lo = bisect.bisect_right(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        idx = heapq.nlargest(limit, range(lo, hi), key=self.dfs.__getitem__)
        out = [(self.words[i], self.dfs[i]) for i in idx]
        with self._lock:
            self._completions[key] = out
            if len(self._completions) > 4096:
                self._completions.popitem(last=False)
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
        """Known words within ``maxdist`` edits (same first letter), closest first."""
        if maxdist <= 0 or not word:
            return []
        found: list[tuple[int, int, str]] = []
        for cand in self.reader.terms_within(schema.SPELL, word, maxdist, prefix=1):
            if cand == word:
                continue
            df = self.vocab.df(cand)
            if df:
                found.append((edit_distance(word, cand, maxdist), -df, cand))
        found.sort()
        return [(w, -negdf) for _, negdf, w in found[:limit]]

    def completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Known words starting with ``prefix``, most frequent first."""
        return self.vocab.completions(prefix, limit)


def correct_words(
    vocab: ReaderVocabulary, text: str, min_df: int = 1
) -> tuple[str, bool]:
    """Replace unknown or rare words of ``text`` by their most frequent close word.

    Args:
        vocab: The vocabulary.
        text: A plain query.
        min_df: Words in at least this many documents count as known... unless a
            close word is far more frequent.

    Returns:
        (corrected text, whether anything changed).
    """
    changed = False
    out: list[str] = []
    for token in text.split(" "):
        words = spell_words(token)
        if len(words) != 1 or token.startswith("-") or len(words[0]) < 3:
            out.append(token)
            continue
        word = words[0]
        df = vocab.spell_df(word)
        maxdist = 2 if len(word) >= 8 else 1
        best = None
        for cand, cdf in vocab.fuzzy(word, maxdist, 8):
            if cdf > max(df * 10, min_df - 1) and (best is None or cdf > best[1]):
                best = (cand, cdf)
        if best is None:
            out.append(token)
            continue
        lower = token.lower()
        pos = lower.find(word)
        if pos < 0:
            out.append(token[: len(token) - len(token.lstrip("\"'("))] + best[0])
        else:
            out.append(token[:pos] + best[0] + token[pos + len(word) :])
        changed = True
    return " ".join(out), changed
