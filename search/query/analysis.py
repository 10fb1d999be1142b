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


def stems_of(word: str, langs: tuple[str, ...]) -> list[str] | None:
    """The distinct terms of one word in each of ``langs``, in their order.

    Returns:
        The terms, or None when the word is a stop word in any of the languages:
        a word one of them drops is never required (a German reader's "die" is
        no English verb).
    """
    out: list[str] = []
    for lang in langs:
        stem = stem_of(word, lang)
        if not stem:
            return None
        if stem not in out:
            out.append(stem)
    return out
