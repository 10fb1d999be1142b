"""Spelling: replace a plain query's unknown or rare words by close, frequent ones
("did you mean")."""

from __future__ import annotations

import re
import time
from dataclasses import replace

from search.query.analysis import TOKEN_RE, max_typos, spell_words
from search.query.build import FUZZY_MAX_WORDS
from search.query.plain import ParsedQuery
from search.query.vocab import SpellVocab


def correct_words(
    vocab: SpellVocab,
    parsed: ParsedQuery,
    min_df: int = 1,
    deadline: float | None = None,
    max_df: int | None = None,
) -> tuple[ParsedQuery, bool]:
    """Replace unknown or rare words of a plain query by their most frequent close
    word (a word in a few documents is replaced when a close word is in ten times
    as many).

    The correction is the parsed query written back (``ParsedQuery.show``): it
    keeps the reader's phrases, fields and exclusions and adds no syntax; excluded
    words are left alone, and a bare field prefix (``tag:``) is dropped.

    Args:
        vocab: The vocabulary.
        parsed: The plain query, as parsed once for the request.
        min_df: A close word must be in at least this many documents.
        max_df: Words in more documents than this are left alone (None: no limit).
        deadline: ``time.perf_counter()`` after which no more words are looked up.

    Returns:
        (the corrected query, whether any word changed).
    """
    looked: dict[str, str | None] = {}

    def best_for(word: str) -> str | None:
        if word in looked:
            return looked[word]
        if len(looked) >= FUZZY_MAX_WORDS or (
            deadline is not None and time.perf_counter() > deadline
        ):
            return None
        df = vocab.spell_df(word)
        if max_df is not None and df > max_df:
            looked[word] = None
            return None
        # One edit more than matching tolerates: a query that found nothing is
        # where a reader most needs the suggestion ("europeex" -> "europe").
        maxdist = min(2, max_typos(word) + 1) if len(word) >= 4 else 1
        best: tuple[str, int] | None = None
        for cand, cdf in vocab.fuzzy(word, maxdist, 8):
            if cdf > max(df * 10, min_df - 1) and (best is None or cdf > best[1]):
                best = (cand, cdf)
        looked[word] = best[0] if best else None
        return looked[word]

    def fix_token(m: re.Match[str]) -> str:
        token = m.group(0)
        words = spell_words(token)
        if len(words) != 1 or len(words[0]) < 3:
            return token
        return best_for(words[0]) or token

    clauses = [
        [replace(u, text=TOKEN_RE.sub(fix_token, u.text)) for u in clause]
        for clause in parsed.clauses
    ]
    if clauses == parsed.clauses:
        return parsed, False
    return ParsedQuery(clauses, parsed.excluded), True
