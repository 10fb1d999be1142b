"""How text becomes index terms: words, folding, and each language's analysis.

The ranked fields (title, authors, tags, body) are analysed in their document's
language: ``with_language`` marks an indexed value with it and ``LanguageAnalyzer``
(the fields' analyser in ``search.schema``) picks the language's chain
(``language_analyzer``). The ``spell`` field is folded but neither stemmed nor
stopped, in every language alike.

This module imports only whoosh and the standard library.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

#: Words: Unicode \w runs, keeping inner apostrophes ("don't", "O'Neill") but not a
#: possessive "'s", so "Erdoğan's" indexes as "erdogan" and a search for it matches.
TOKEN_PATTERN = r"\w+(?:['’](?![sS]\b)\w+)*"


#: The analysis of a document that names no language (and of raw-mode queries).
DEFAULT_LANGUAGE = "en"
#: Languages stemmed by Whoosh's Snowball stemmers, with their stop words; the
#: accents are folded after stemming (the stemmers know their own letters).
STEMMED_LANGUAGES: tuple[str, ...] = (
    "ar", "da", "de", "es", "fi", "fr", "hu", "it", "nl", "no", "pt", "ro", "ru",
    "sv",
)  # fmt: skip
_LANG_RE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")
#: Marks the language of an indexed value: ``\x1ede\x1e`` + text (never a word).
_MARK = "\x1e"
#: Folding of every analysis: accents off (``accent_map``) and combining marks
#: dropped (``İ`` lowercases to ``i`` + U+0307).
_FOLD_TABLE: dict[int, Any] = {
    **accent_map,
    **dict.fromkeys(range(0x300, 0x370)),
}
#: Russian й and ё, folded to и and е only after the stemmer (it reads them as
#: letters of their own: folded first, "войной" would lose its stem).
_RUSSIAN_FOLD = str.maketrans("йё", "ие")


def language_code(value: object) -> str:
    """The primary language subtag of a language tag, lower-case (``de-AT`` ->
    ``de``), or ``""`` when ``value`` is not a language tag."""
    if not isinstance(value, str):
        return ""
    m = _LANG_RE.match(value)
    return m.group(1).lower() if m else ""


def document_language(value: object) -> str:
    """The language a document is analysed and faceted as: its code, else
    ``DEFAULT_LANGUAGE``."""
    return language_code(value) or DEFAULT_LANGUAGE


class _FoldFilter(Filter):  # type: ignore[misc]
    """Accent folding of the spell field and the analyses (``CharsetFilter`` with
    combining marks dropped too)."""

    def __call__(self, tokens: Any) -> Any:
        for t in tokens:
            t.text = t.text.translate(_FOLD_TABLE)
            if t.text:
                yield t


class _TableFilter(Filter):  # type: ignore[misc]
    """Replaces characters through ``str.translate`` (after the stemmer)."""

    def __init__(self, table: dict[int, Any]) -> None:
        self.table = table

    def __call__(self, tokens: Any) -> Any:
        for t in tokens:
            t.text = t.text.translate(self.table)
            yield t


class _CyrillicStemFilter(Filter):  # type: ignore[misc]
    """The Russian stemmer, for Cyrillic words only (Whoosh's turns a Latin word
    into Cyrillic letters: ``istanbul`` would index as ``истанбул``)."""

    def __init__(self) -> None:
        self.stem = stemmer_for_language("ru")

    def __call__(self, tokens: Any) -> Any:
        for t in tokens:
            if _CYRILLIC_RE.search(t.text):
                t.text = self.stem(t.text)
            yield t


_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")


#: Stop words Whoosh's (Snowball's) lists lack.
_EXTRA_STOP_WORDS: dict[str, set[str]] = {"fr": {"les"}}
#: Elided articles and pronouns before a vowel, removed before stemming
#: (``l'énergie`` -> ``énergie``, ``dell'Europa`` -> ``europa``).
_ELISIONS: dict[str, re.Pattern[str]] = {
    "fr": re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]"),
    "it": re.compile(
        r"^(?:[cdlmnstv]|un|all|dall|dell|nell|sull|coll|pell|quell|quest|anch)['’]"
    ),
}


class _ElisionFilter(Filter):  # type: ignore[misc]
    """Drops an elided article or pronoun (French, Italian) from a word."""

    def __init__(self, lang: str) -> None:
        self.pattern = _ELISIONS[lang]

    def __call__(self, tokens: Any) -> Any:
        sub = self.pattern.sub
        for t in tokens:
            t.text = sub("", t.text, count=1)
            yield t


class _TurkishLowercaseFilter(Filter):  # type: ignore[misc]
    """Turkish lower case: ``I`` is ``ı`` and ``İ`` is ``i`` (folded to ``i``
    afterwards, so a reader may type either)."""

    def __call__(self, tokens: Any) -> Any:
        for t in tokens:
            t.text = t.text.replace("I", "ı").replace("İ", "i").lower()
            yield t


@lru_cache(maxsize=64)
def language_analyzer(lang: str) -> Any:
    """The analysis chain of one language (the same at index and query time).

    English keeps the first schema's chain (folding, stop words, Porter stems).
    Snowball languages stem before folding; Turkish folds its four i's to ``i``
    and drops its stop words without stemming; any other language is only
    lowercased and folded.

    Args:
        lang: A language code (``language_code``).

    Returns:
        A Whoosh analyser.
    """
    words = RegexTokenizer(TOKEN_PATTERN)
    if lang == DEFAULT_LANGUAGE:
        return words | LowercaseFilter() | _FoldFilter() | StopFilter() | StemFilter()
    if lang in STEMMED_LANGUAGES:
        chain = words | LowercaseFilter()
        if lang in _ELISIONS:
            chain = chain | _ElisionFilter(lang)
        if lang != "ar":  # Whoosh has an Arabic stemmer but no Arabic stop words
            stops = stopwords_for_language(lang) | _EXTRA_STOP_WORDS.get(lang, set())
            chain = chain | StopFilter(stoplist=stops)
        if lang == "ru":
            return (
                chain
                | _CyrillicStemFilter()
                | _FoldFilter()
                | _TableFilter(_RUSSIAN_FOLD)
            )
        return chain | StemFilter(lang=lang) | _FoldFilter()
    if lang == "tr":
        return words | _TurkishLowercaseFilter() | StopFilter(lang="tr") | _FoldFilter()
    return words | LowercaseFilter() | _FoldFilter()


def with_language(text: str, lang: str) -> str:
    """``text`` marked for the analysis of ``lang`` (what the ranked fields index)."""
    return f"{_MARK}{lang}{_MARK}{text}"


class LanguageAnalyzer(Analyzer):  # type: ignore[misc]
    """Analyser of the ranked fields: each value in its document's language.

    An indexed value starts with its language's mark (``with_language``); a value
    without one (a raw-mode query) is analysed as ``DEFAULT_LANGUAGE``. The
    analyser holds no state, so the pickled schema names only this class.
    """

    def __call__(self, value: str, **kwargs: Any) -> Any:
        lang = DEFAULT_LANGUAGE
        if value.startswith(_MARK):
            end = value.find(_MARK, 1)
            if end > 0:
                lang, value = value[1:end], value[end + 1 :]
        return language_analyzer(lang)(value, **kwargs)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


def text_analyzer() -> Any:
    """Analyser of the ranked fields (``LanguageAnalyzer``).

    Returns:
        A Whoosh analyser (the same chain at index and query time).
    """
    return LanguageAnalyzer()


def spell_analyzer() -> Any:
    """Analyser of the unstemmed ``spell`` field (suggestions, did-you-mean, typos).

    Returns:
        A Whoosh analyser: lowercase and accent folding, no stop words, no stemming.
    """
    return RegexTokenizer(TOKEN_PATTERN) | _TurkishSafeLowercase() | _FoldFilter()


class _TurkishSafeLowercase(Filter):  # type: ignore[misc]
    """Lowercase in which ``İ`` becomes ``i`` (not ``i`` and a combining dot)."""

    def __call__(self, tokens: Any) -> Any:
        for t in tokens:
            t.text = t.text.replace("İ", "i").lower()
            yield t
