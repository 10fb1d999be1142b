"""The "did you mean" step: a corrected query, offered when it finds more.

It works on the query as parsed once for the request (``ParsedQuery``): its words
are checked against the generation's vocabulary, rare or unknown ones replaced by
close, frequent words, and the corrected query is matched (without typo expansion)
to see whether it finds more than the reader's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from search import languages
from search.engine.matching import Evaluator
from search.query.analysis import max_typos
from search.query.build import FUZZY_MAX_WORDS, build_plain
from search.query.plain import ParsedQuery
from search.query.spelling import correct_words
from search.query.vocab import SpellVocab

#: Suggest a correction when a query finds fewer results than this...
DID_YOU_MEAN_BELOW = 3
#: ...or when one of its words is in at most this many documents (a likely typo).
RARE_DF = 2
#: Words in more than this share of the documents (1 / N) are never corrected.
CORRECT_DF_SHARE = 1000


class DidYouMean:
    """Corrections for one request's parsed plain query."""

    def __init__(
        self,
        vocab: SpellVocab,
        evaluator: Callable[[], Evaluator],
        doc_count: int,
        deadline: float,
        langs: tuple[str, ...] = (languages.DEFAULT_LANGUAGE,),
    ) -> None:
        """Bind to the vocabulary, a maker of the evaluator for the corrected query
        (called only when there is one to match), the number of documents and the
        request's deadline; ``langs`` are the languages searched."""
        self.vocab = vocab
        self.langs = langs
        self.evaluator = evaluator
        self.doc_count = doc_count
        self.deadline = deadline

    def wanted(self, parsed: ParsedQuery, total: int, dropped: bool) -> bool:
        """Whether a correction is worth looking for: few results, words dropped
        by the fallback, or a rare word typed."""
        return total < DID_YOU_MEAN_BELOW or dropped or self.has_rare_word(parsed)

    def has_rare_word(self, parsed: ParsedQuery) -> bool:
        """Whether a typed word is in at most ``RARE_DF`` documents (it may be a
        typo of a common word)."""
        return any(
            self.vocab.spell_df(w) <= RARE_DF
            for w in parsed.words[:FUZZY_MAX_WORDS]
            if max_typos(w)
        )

    def suggest(
        self, typed: str, parsed: ParsedQuery, total: int, allowed: int
    ) -> str | None:
        """The corrected query, when it finds more allowed documents than ``total``.

        Args:
            typed: The query text as the reader typed it.
            parsed: ``typed``, parsed.
            total: Allowed matches of the reader's query (all words required).
            allowed: Documents that pass the request's filters.
        """
        if time.perf_counter() > self.deadline:
            return None
        corrected, changed = correct_words(
            self.vocab,
            parsed,
            1,
            self.deadline,
            max_df=max(RARE_DF, self.doc_count // CORRECT_DF_SHARE),
        )
        text = corrected.show()
        if not changed or text.strip() == typed.strip():
            return None
        matched = self.evaluator().match(build_plain(corrected, None, langs=self.langs))
        found = (matched.found.bits & allowed & ~matched.excluded).bit_count()
        return text if found > total else None
