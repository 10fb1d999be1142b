"""The baseline: the same fielded documents and text queries through SQLite FTS5.

Standard library only (``sqlite3``). The table has the ranked fields of the
production schema (title, tags, authors, body) with the same BM25F weights in
``bm25()``, the ``porter`` stemmer over ``unicode61`` with accents removed, and a
plain table beside it for the year and tag filters and the newest-first sort. A
query returns what a result page needs: the total, and the top ten with title, URL
and a highlighted snippet. FTS5 has no facet counts, typo tolerance or suggestions,
so those parts of the mix have no baseline (their text part is still run).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.queries import Query
from search import schema

WEIGHTS = ", ".join(
    str(schema.SEARCH_FIELDS[f])
    for f in (schema.TITLE, schema.TAGS, schema.AUTHORS, schema.BODY)
)
_SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    title, tags, authors, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE meta (
    rowid INTEGER PRIMARY KEY, id TEXT, url TEXT, published TEXT, year TEXT,
    tags TEXT
);
CREATE INDEX meta_year ON meta(year);
"""
_TOP = f"""
SELECT meta.id, meta.url, docs.title, bm25(docs, {WEIGHTS}) AS score,
       snippet(docs, 3, '<mark>', '</mark>', '…', 16)
FROM docs JOIN meta ON meta.rowid = docs.rowid
WHERE docs MATCH ? {{filters}}
ORDER BY {{order}} LIMIT 10
"""
_COUNT = """
SELECT count(*) FROM docs JOIN meta ON meta.rowid = docs.rowid
WHERE docs MATCH ? {filters}
"""


def build(jsonl: Path, db_path: Path) -> dict[str, Any]:
    """Index the fielded documents of ``jsonl`` into a new database file.

    Returns:
        ``documents``, ``seconds`` (reading, inserting, committing and optimising)
        and ``bytes`` (the database file).
    """
    if db_path.exists():
        db_path.unlink()
    started = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.executescript(_SCHEMA)
    n = 0
    with jsonl.open(encoding="utf-8") as fh, con:
        for line in fh:
            d = json.loads(line)
            n += 1
            published = d.get("published") or ""
            con.execute(
                "INSERT INTO docs(rowid, title, tags, authors, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    n,
                    d["title"],
                    "; ".join(d["tags"]),
                    "; ".join(d["authors"]),
                    d["body"],
                ),
            )
            con.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?)",
                (
                    n,
                    d["id"],
                    d.get("url") or "",
                    published,
                    published[:4],
                    "|" + "|".join(t.casefold() for t in d["tags"]) + "|",
                ),
            )
    con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    con.commit()
    con.close()
    seconds = time.perf_counter() - started
    return {
        "documents": n,
        "seconds": round(seconds, 2),
        "bytes": db_path.stat().st_size,
    }


def connect(db_path: Path) -> sqlite3.Connection:
    """A read connection (one per thread)."""
    return sqlite3.connect(db_path, check_same_thread=False)


def search(con: sqlite3.Connection, query: Query) -> tuple[int, list[tuple[Any, ...]]]:
    """Run the text part of ``query`` with its tag/year filters and sort.

    Returns:
        The total and the top-ten rows (id, url, title, score, snippet).
    """
    filters = ""
    params: list[Any] = [query.fts]
    if query.tag:
        filters += " AND meta.tags LIKE ?"
        params.append(f"%|{query.tag.casefold()}|%")
    if query.year:
        filters += " AND meta.year = ?"
        params.append(query.year)
    order = "meta.published DESC" if query.newest else "score"
    rows = con.execute(_TOP.format(filters=filters, order=order), params).fetchall()
    total = con.execute(_COUNT.format(filters=filters), params).fetchone()[0]
    return int(total), rows
