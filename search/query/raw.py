"""Raw mode: Whoosh's own query language over the search fields, its syntax errors
turned into ``QueryError`` with the position."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh import query as wq
from whoosh.qparser import MultifieldParser
from whoosh.qparser.common import QueryParserError

from search import schema
from search.errors import QueryError


def _walk(q: Any) -> Iterable[Any]:
    yield q
    if hasattr(q, "children"):
        for child in q.children():
            yield from _walk(child)


def parse_raw(text: str, whoosh_schema: Any) -> Any:
    """Parse Whoosh's query language over the search fields.

    Args:
        text: The query.
        whoosh_schema: The index's schema.

    Returns:
        The Whoosh query (``None`` for an empty query).

    Raises:
        QueryError: A syntax error, with ``position`` when known.
    """
    if not text.strip():
        return None
    parser = MultifieldParser(
        list(schema.SEARCH_FIELDS), whoosh_schema, fieldboosts=schema.SEARCH_FIELDS
    )
    try:
        q = parser.parse(text)
    except (QueryParserError, ValueError, TypeError, OverflowError) as exc:
        # Whoosh reports some errors by raising while converting a term (dates)
        raise QueryError(f"query syntax error: {exc}", param="q") from exc
    for node in _walk(q):
        error = getattr(node, "error", None)
        if error:
            pos = getattr(node, "startchar", None)
            where = f" at position {pos}" if pos is not None else ""
            raise QueryError(
                f"query syntax error{where}: {error}", param="q", position=pos
            )
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return None
    return q


def query_terms(q: Any) -> set[str]:
    """Text terms of the searched fields in a Whoosh query (for highlighting)."""
    out: set[str] = set()
    try:
        for fname, text in q.iter_all_terms():
            if fname in schema.SEARCH_FIELDS and isinstance(text, str):
                out.add(text)
    except (TypeError, AttributeError):
        pass
    return out
