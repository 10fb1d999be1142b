"""The second peer: the same fielded documents and text queries through Tantivy.

Tantivy is a Rust search library (Lucene's design) with Python bindings, the
``tantivy`` package: a bench-only optional dependency (``pip install -e .[bench]``).
Like the FTS5 baseline it runs in-process, without HTTP or facet counts. The schema
has the ranked fields of the production one (title, tags, authors, body) with the
same BM25F boosts, an English stemmer after lowercasing and accent folding, and raw
fields for the tag and year filters and a fast ``published`` field for the
newest-first sort. A query returns what a result page needs: the total, and the top
ten with id, URL, title and a highlighted body snippet. Unlike FTS5, Tantivy has
typo tolerance, so the ``typo`` queries are run as fuzzy queries with the same edit
budget as ours (``search.query.analysis.max_typos``).

Indexing uses one writer thread, as our indexer has one writer.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.queries import Query
from search import schema
from search.query.analysis import max_typos

RANKED = (schema.TITLE, schema.TAGS, schema.AUTHORS, schema.BODY)
BOOSTS = {f: float(schema.SEARCH_FIELDS[f]) for f in RANKED}
#: Name of the analyser registered on the index (lowercase, ASCII folding, Porter).
ANALYZER = "en_fold"
#: The writer's memory budget (bytes) and threads.
HEAP = 200_000_000
THREADS = 1

_QUOTED = re.compile(r'"([^"]*)"(\*?)')


def available() -> bool:
    """Whether the ``tantivy`` package is installed."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def _schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    for f in RANKED:
        # title and body stored: a hit shows the title, a snippet of the body
        sb.add_text_field(
            f, stored=f in (schema.TITLE, schema.BODY), tokenizer_name=ANALYZER
        )
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("url", stored=True, tokenizer_name="raw")
    sb.add_text_field("tag", tokenizer_name="raw")
    sb.add_text_field("year", tokenizer_name="raw")
    sb.add_integer_field("published", fast=True, indexed=False)
    return sb.build()


def _open(path: Path, create: bool) -> Any:
    import tantivy

    ix = tantivy.Index(_schema(), path=str(path), reuse=not create)
    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    ix.register_tokenizer(ANALYZER, analyzer)
    return ix


def build(jsonl: Path, path: Path) -> dict[str, Any]:
    """Index the fielded documents of ``jsonl`` into a new index folder.

    Returns:
        ``documents``, ``seconds`` (reading, adding, committing, merging) and
        ``bytes`` (the index folder).
    """
    import tantivy

    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    started = time.perf_counter()
    ix = _open(path, create=True)
    writer = ix.writer(heap_size=HEAP, num_threads=THREADS)
    n = 0
    with jsonl.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            n += 1
            published = d.get("published") or ""
            writer.add_document(
                tantivy.Document(
                    title=d["title"],
                    tags="; ".join(d["tags"]),
                    authors="; ".join(d["authors"]),
                    body=d["body"],
                    id=d["id"],
                    url=d.get("url") or "",
                    tag=[t.casefold() for t in d["tags"]] or [""],
                    year=published[:4],
                    published=int(published[:10].replace("-", "") or 0),
                )
            )
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return {"documents": n, "seconds": round(seconds, 2), "bytes": size}


class Reader:
    """An open index and its searcher (shareable between threads)."""

    def __init__(self, path: Path) -> None:
        """Open the index built by ``build``."""
        import tantivy

        self.tantivy = tantivy
        self.index = _open(path, create=False)
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = self.index.schema

    def query(self, query: Query) -> Any:
        """The Tantivy query of ``query``'s text with its filters."""
        t = self.tantivy
        parts: list[Any] = []
        for words, star in _QUOTED.findall(query.fts):
            if star:  # a prefix: every indexed term starting so, in any field
                pattern = re.escape(words.casefold()) + ".*"
                parts.append(
                    t.Query.boolean_query(
                        [
                            (
                                t.Occur.Should,
                                t.Query.regex_query(self.schema, f, pattern),
                            )
                            for f in RANKED
                        ]
                    )
                )
                continue
            fuzzy = None
            if query.kind == "typo":
                typos = max_typos(words)
                fuzzy = {f: (False, typos, True) for f in RANKED} if typos else None
            parts.append(
                self.index.parse_query(
                    f'"{words}"' if " " in words else words,
                    list(RANKED),
                    field_boosts=BOOSTS,
                    fuzzy_fields=fuzzy,
                )
            )
        if query.tag:
            parts.append(t.Query.term_query(self.schema, "tag", query.tag.casefold()))
        if query.year:
            parts.append(t.Query.term_query(self.schema, "year", query.year))
        if len(parts) == 1:
            return parts[0]
        return t.Query.boolean_query([(t.Occur.Must, p) for p in parts])


def connect(path: Path) -> Reader:
    """A reader of the index (one per thread, like the FTS5 connections)."""
    return Reader(path)


def search(reader: Reader, query: Query) -> tuple[int, list[tuple[Any, ...]]]:
    """Run the text part of ``query`` with its tag/year filters and sort.

    Returns:
        The total and the top-ten rows (id, url, title, score, snippet).
    """
    t = reader.tantivy
    q = reader.query(query)
    searcher = reader.searcher
    if query.newest:
        found = searcher.search(q, 10, count=True, order_by_field="published")
    else:
        found = searcher.search(q, 10, count=True)
    snippets = t.SnippetGenerator.create(searcher, q, reader.schema, schema.BODY)
    snippets.set_max_num_chars(200)
    rows = []
    for score, address in found.hits:
        doc = searcher.doc(address)
        rows.append(
            (
                doc.get_first("id"),
                doc.get_first("url"),
                doc.get_first(schema.TITLE),
                score,
                snippets.snippet_from_doc(doc).to_html(),
            )
        )
    return int(found.count or 0), rows
