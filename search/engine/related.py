"""Related posts: a cheap more-like-this from a document's key words and its tags.

Whoosh's ``more_like_this`` costs 300–600 ms (WHOOSH-NOTES). Here a document's
words are weighted by tf-idf, the dozen best are scored over the body and title
from the in-memory term scores (``search.scoring.postings``), and each tag shared with
another document adds a fixed share. The engine caches the answer per index
generation. The same key words serve the pseudo-relevance feedback of long
questions (``search.engine.run``).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

from search import languages, schema
from search.engine.facets import FacetIndex
from search.engine.highlight import Highlighter
from search.engine.hits import make_hit
from search.models import Hit
from search.query.analysis import analyze
from search.scoring.bitsets import docnums, ranked_within
from search.scoring.postings import TermScores, union

#: Key words taken from a document.
KEY_TERMS = 12
#: Words of the body analysed at most (the start of an article says what it is about).
MAX_WORDS = 1500
#: Weight of a key word in the title field relative to the body.
TITLE_WEIGHT = 0.5


def key_terms(
    reader: Any, terms: TermScores, stored: Mapping[str, Any]
) -> list[tuple[str, float]]:
    """The document's most characteristic index terms with tf-idf weights.

    Args:
        reader: The top-level reader (for document frequencies).
        terms: The generation's term scores (which keep document frequencies).
        stored: The document's stored fields.

    Returns:
        Up to ``KEY_TERMS`` (term, weight) pairs, best first, weights in 0..1.
    """
    body = " ".join((stored.get(schema.BODY) or "").split()[:MAX_WORDS])
    lang = languages.document_language(stored.get(schema.LANGUAGE))
    counts: Counter[str] = Counter(analyze(body, lang))
    for term in analyze(stored.get(schema.TITLE) or "", lang):
        counts[term] += 3
    n_docs = max(1, reader.doc_count())
    doc_frequency = terms.doc_frequencies(reader, schema.BODY)
    scored: list[tuple[float, str]] = []
    for term, tf in counts.items():
        if len(term) < 3 or term.isdigit():
            continue
        df = doc_frequency(term)
        if df <= 1:
            continue  # only this document: matches nothing else
        scored.append(((1 + math.log(tf)) * math.log(n_docs / df), term))
    scored.sort(reverse=True)
    top = scored[:KEY_TERMS]
    if not top or top[0][0] <= 0:
        return []
    best = top[0][0]
    return [(term, weight / best) for weight, term in top if weight > 0]


#: A shared tag adds this share of the best key-word score.
TAG_SHARE = 0.3


def related_hits(
    searcher: Any,
    terms: TermScores,
    facets: FacetIndex,
    docnum: int,
    limit: int,
    allowed: int,
) -> list[Hit]:
    """Documents like ``docnum`` among ``allowed`` (itself excluded), best first.

    The document's key words are scored over the body and title from the in-memory
    term scores; each tag it shares with another document adds a fixed share.
    """
    stored = searcher.stored_fields(docnum)
    fields = ((schema.BODY, 1.0), (schema.TITLE, TITLE_WEIGHT))
    parts = [
        (terms.term(searcher, fields, term), weight)
        for term, weight in key_terms(searcher.reader(), terms, stored)
    ]
    scores = dict(union(parts).scores)
    bonus = TAG_SHARE * max(scores.values(), default=1.0)
    table = facets.tables[schema.FACET_TAGS]
    for tag in stored.get(schema.TAGS) or ():
        for d in docnums(table.filter_bits([tag])):
            scores[d] = scores.get(d, 0.0) + bonus
    scores.pop(docnum, None)
    best = heapq.nlargest(limit, ranked_within(scores, allowed))
    opening = Highlighter(())
    return [make_hit(searcher.stored_fields(d), s, opening, 1) for s, d in best]
