"""BM25F proper: one word in several fields, frequencies summed before saturation.

Whoosh scores ``Or([Term("title", w, boost=3), Term("body", w)])`` as the sum of two
BM25 scores, so a word in the title counts up to four times as much as the same word
in the body, whatever its frequency: documents that name any query word in their
title swamp the ranking of long queries. Plain queries are therefore scored with the
BM25F of Robertson & Zaragoza (``search.scoring.postings.TermScores``, from postings
held in memory): the field-weighted, length-normalised term frequencies are summed
into one pseudo frequency, which saturates once::

    tf' = sum_f  w_f * tf_f / ((1 - b_f) + b_f * len_f / avglen_f)
    score = idf * tf' * (k1 + 1) / (tf' + k1)

Title matches still rank first (w_title > w_body), but a body full of the word is
not outweighed by a title that merely mentions it.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh.scoring import BM25F

#: BM25 defaults, used when the searcher's weighting does not say otherwise.
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75
#: The engine's BM25 parameters, tuned on the Cranfield development queries (k1
#: above the textbook 1.2: repeated words in a field keep counting for longer).
ENGINE_B = 0.9
ENGINE_K1 = 3.0


def bm25_idf(df: int, n: int) -> float:
    """Robertson–Spärck Jones idf: ``log(1 + (N - df + 0.5) / (df + 0.5))``."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class ReaderBM25F(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with the Robertson–Spärck Jones idf of the BM25 literature.

    Whoosh's default idf, ``log(N / (df + 1)) + 1``, gives common words a floor of
    1, so in a long question the many frequent words drown the few rare ones that
    say what it is about. ``log(1 + (N - df + 0.5) / (df + 0.5))`` keeps common
    words near zero. Live documents are counted, not deleted ones.
    """

    def __init__(self, B: float = DEFAULT_B, K1: float = DEFAULT_K1, **kw: float):
        """Whoosh's parameters; ``<field>_B`` keywords set a field's own ``b``."""
        super().__init__(B=B, K1=K1, **kw)
        #: Field name -> its own ``b`` (the ``<field>_B`` keywords).
        self.field_b = {k[:-2]: v for k, v in kw.items() if k.endswith("_B")}

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        """Inverse document frequency of a term."""
        parent = searcher.get_parent()
        return bm25_idf(parent.doc_frequency(fieldname, text), parent.doc_count())


def engine_weighting() -> ReaderBM25F:
    """The scoring of every searcher of the engine."""
    return ReaderBM25F(B=ENGINE_B, K1=ENGINE_K1)
