"""Turning a document's stored fields into a search hit."""

from __future__ import annotations

from typing import Any

from search import languages, schema
from search.engine.highlight import Highlighter
from search.models import Hit


def make_hit(stored: Any, score: float, hl: Highlighter, n: int) -> Hit:
    """A hit from stored fields, with highlighted title and ``n`` snippets."""
    doc = schema.stored_to_document(stored)
    title = doc.get(schema.TITLE) or ""
    return Hit(
        id=doc[schema.ID_FIELD],
        url=doc.get(schema.URL) or "",
        title=title,
        title_html=hl.mark(title),
        authors=doc[schema.AUTHORS],
        tags=doc[schema.TAGS],
        section=doc.get(schema.SECTION) or "",
        published=doc.get(schema.PUBLISHED),
        summary=doc.get(schema.SUMMARY) or "",
        score=score,
        snippets=hl.snippets(stored.get(schema.BODY) or "", n),
        language=languages.document_language(doc.get(schema.LANGUAGE)),
    )
