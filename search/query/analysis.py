"""How query text becomes index terms: the ranked fields' stems and the spell words."""

from __future__ import annotations

import re
from functools import lru_cache

from search import languages, schema

TOKEN_RE = re.compile(schema.TOKEN_PATTERN)


def max_typos(word: str) -> int:
    """Typos tolerated in a word: 1 from 5 letters, 2 from 9."""
    n = len(word)
    if n >= 9:
        return 2
    if n >= 5:
        return 1
    return 0


_SPELL_ANALYZER = schema.spell_analyzer()


def analyze(text: str, lang: str = languages.DEFAULT_LANGUAGE) -> list[str]:
    """Index terms of ``text`` in the ranked fields of a document in ``lang``
    (folded, no stop words, stems)."""
    return [t.text for t in languages.language_analyzer(lang)(text)]


def spell_words(text: str) -> list[str]:
    """Terms of ``text`` in the ``spell`` field (lowercased, accent-folded)."""
    return [t.text for t in _SPELL_ANALYZER(text)]


@lru_cache(maxsize=200_000)
def stem_of(word: str, lang: str = languages.DEFAULT_LANGUAGE) -> str:
    """The ranked-field term of one word in ``lang`` ('' for a stop word)."""
    terms = analyze(word, lang)
    return terms[0] if terms else ""


def stems_of(word: str, langs: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """The distinct terms of one word in each of ``langs``, in their order.

    Returns:
        The terms, and the languages in which the word is a stop word (a German
        reader's "die" is no English verb, and an English "war" no German verb:
        each language's documents need not hold its own stop words).
    """
    out: list[str] = []
    stop: list[str] = []
    for lang in langs:
        stem = stem_of(word, lang)
        if not stem:
            stop.append(lang)
        elif stem not in out:
            out.append(stem)
    return out, tuple(stop)
