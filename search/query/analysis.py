"""How query text becomes index terms: the ranked fields' stems and the spell words."""

from __future__ import annotations

import re
from functools import lru_cache

from search import schema

TOKEN_RE = re.compile(schema.TOKEN_PATTERN)


def max_typos(word: str) -> int:
    """Typos tolerated in a word: 1 from 5 letters, 2 from 9."""
    n = len(word)
    if n >= 9:
        return 2
    if n >= 5:
        return 1
    return 0


_TEXT_ANALYZER = schema.text_analyzer()
_SPELL_ANALYZER = schema.spell_analyzer()


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` in the ranked fields (folded, no stop words, stems)."""
    return [t.text for t in _TEXT_ANALYZER(text)]


def spell_words(text: str) -> list[str]:
    """Terms of ``text`` in the ``spell`` field (lowercased, accent-folded)."""
    return [t.text for t in _SPELL_ANALYZER(text)]


@lru_cache(maxsize=200_000)
def stem_of(word: str) -> str:
    """The ranked-field term of one word ('' for a stop word)."""
    terms = analyze(word)
    return terms[0] if terms else ""
