"""The benchmark's reader traffic: a deterministic mix of queries drawn from a corpus.

Every query is built from the fielded documents of the corpus (the JSONL written by
``benchmarks.corpus``), so it finds something, as a reader's query usually does:
words of titles and bodies, a phrase that occurs in a body, the first letters of a
word as typed, a word with one typo, a tag and a year that occur together.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

#: English stop words of the index's analyser (Whoosh's list); never a query word.
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd "
    "that the this to us we when will with yet you your".split()
)
_WORD = re.compile(r"[^\W\d_]+")

#: Kinds of ``/search`` requests, in report order.
SEARCH_KINDS = (
    "one_word",
    "two_three_words",
    "phrase",
    "prefix",
    "typo",
    "facets",
    "no_facets",
    "two_filters",
    "newest",
)
#: Every kind, including the other endpoints.
ALL_KINDS = (*SEARCH_KINDS, "suggest", "related")
#: Facets asked for by the ``facets`` kind (every facet, more values than default).
FACETS_PARAM = "tags,authors,section,year,month"


@dataclass(frozen=True, slots=True)
class Query:
    """One request of the mix.

    Attributes:
        kind: One of ``ALL_KINDS``.
        path: The HTTP path and query string.
        text: The text query (what the FTS5 baseline searches; "" for none).
        fts: The same words in FTS5 query syntax ("" when FTS5 has no equivalent).
        tag: Tag filter (for the FTS5 baseline), or "".
        year: Year filter, or "".
        newest: Sorted by newest first.
    """

    kind: str
    path: str
    text: str = ""
    fts: str = ""
    tag: str = ""
    year: str = ""
    newest: bool = False


@dataclass(slots=True)
class _Doc:
    id: str
    title: list[str]
    body: list[str]
    tags: list[str]
    year: str


@dataclass(slots=True)
class QueryMix:
    """Queries by kind."""

    by_kind: dict[str, list[Query]] = field(default_factory=dict)

    def all(self) -> list[Query]:
        """Every query, interleaved kind by kind (round robin)."""
        out: list[Query] = []
        lists = [self.by_kind.get(k, []) for k in ALL_KINDS]
        for i in range(max((len(v) for v in lists), default=0)):
            out.extend(v[i] for v in lists if i < len(v))
        return out


def _content(words: list[str]) -> list[str]:
    return [w for w in words if len(w) >= 4 and w not in STOP_WORDS]


def load_docs(jsonl: Path, limit: int = 3000, seed: int = 0) -> list[_Doc]:
    """A sample of the corpus documents (words lower-cased), at most ``limit``."""
    rng = random.Random(seed)
    docs: list[_Doc] = []
    with jsonl.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            # reservoir sampling keeps the sample independent of the corpus order
            if len(docs) < limit:
                docs.append(_parse(line))
            else:
                j = rng.randrange(n + 1)
                if j < limit:
                    docs[j] = _parse(line)
    return docs


def _parse(line: str) -> _Doc:
    d: dict[str, Any] = json.loads(line)
    return _Doc(
        id=d["id"],
        title=_WORD.findall(d["title"].lower()),
        body=_WORD.findall(d["body"].lower()),
        tags=list(d["tags"]),
        year=(d.get("published") or "")[:4],
    )


def _fts_words(words: list[str]) -> str:
    return " ".join(f'"{w}"' for w in words)


def _search(kind: str, params: dict[str, str], **query: Any) -> Query:
    return Query(kind, "/search?" + urlencode(params), **query)


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0:  # swap two neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    letter = rng.choice("aeioustrnl".replace(word[i], ""))
    return word[:i] + letter + word[i + 1 :]


def _queries(kind: str, rng: random.Random, doc: _Doc) -> Iterator[Query]:
    body = _content(doc.body)
    title = _content(doc.title) or body
    if not body:
        return
    if kind == "one_word":
        w = rng.choice(title if rng.random() < 0.5 else body)
        yield _search(kind, {"q": w}, text=w, fts=_fts_words([w]))
    elif kind == "two_three_words":
        pool = title + rng.sample(body, min(len(body), 4))
        words = rng.sample(pool, min(len(pool), rng.choice((2, 3))))
        q = " ".join(words)
        yield _search(kind, {"q": q}, text=q, fts=_fts_words(words))
    elif kind == "phrase":
        i = rng.randrange(len(doc.body) - 2)
        words = doc.body[i : i + rng.choice((2, 3))]
        if any(w not in STOP_WORDS for w in words):
            q = '"' + " ".join(words) + '"'
            yield _search(kind, {"q": q}, text=q, fts='"' + " ".join(words) + '"')
    elif kind == "prefix":
        w = rng.choice(body)
        k = rng.randint(3, min(6, len(w)))
        lead = [rng.choice(title)] if rng.random() < 0.5 else []
        q = " ".join([*lead, w[:k]])
        yield _search(kind, {"q": q}, text=q, fts=_fts_words(lead) + f' "{w[:k]}"*')
    elif kind == "typo":
        long = [w for w in body + title if len(w) >= 6] or body
        w = _typo(rng, rng.choice(long))
        yield _search(kind, {"q": w}, text=w, fts=_fts_words([w]))
    elif kind == "facets":
        w = rng.choice(title)
        params = {"q": w, "facets": FACETS_PARAM, "facet_size": "30"}
        yield _search(kind, params, text=w, fts=_fts_words([w]))
    elif kind == "no_facets":
        w = rng.choice(body)
        yield _search(kind, {"q": w, "facets": ""}, text=w, fts=_fts_words([w]))
    elif kind == "two_filters":
        w = rng.choice(body)
        tag = rng.choice(doc.tags) if doc.tags else ""
        params = {"q": w, "tag": tag, "year": doc.year}
        yield _search(kind, params, text=w, fts=_fts_words([w]), tag=tag, year=doc.year)
    elif kind == "newest":
        w = rng.choice(title)
        yield _search(
            kind, {"q": w, "sort": "newest"}, text=w, fts=_fts_words([w]), newest=True
        )
    elif kind == "suggest":
        # what a search box sends while the reader types one word
        w = rng.choice([x for x in title + body if len(x) >= 5] or body)
        for k in range(2, min(len(w), 6) + 1):
            prefix = w[:k]
            yield Query(kind, "/suggest?" + urlencode({"q": prefix}), text=prefix)
    elif kind == "related":
        yield Query(kind, f"/documents/{quote(doc.id, safe='')}/related")


def build_mix(
    docs: list[_Doc], per_kind: int, seed: int, exclude: QueryMix | None = None
) -> QueryMix:
    """``per_kind`` distinct queries of every kind, drawn from ``docs``.

    Args:
        docs: Documents to draw words from (``load_docs``).
        per_kind: Queries per kind (``suggest`` gets whole typing sequences, so at
            least this many requests).
        seed: Seed of the draw.
        exclude: A mix whose requests must not repeat (so that none of this mix
            is answered from the service's result cache).

    Returns:
        The mix.
    """
    rng = random.Random(seed)
    mix = QueryMix()
    for kind in ALL_KINDS:
        seen = {q.path for q in exclude.by_kind.get(kind, [])} if exclude else set()
        out: list[Query] = []
        attempts = 0
        while len(out) < per_kind and attempts < per_kind * 50:
            attempts += 1
            for q in _queries(kind, rng, rng.choice(docs)):
                if q.path not in seen:
                    seen.add(q.path)
                    out.append(q)
        mix.by_kind[kind] = out
    return mix
