"""The Article value object and its fielded-document form keyed by schema fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from search import schema


@dataclass(frozen=True, slots=True)
class Article:
    """One parsed article page.

    Attributes:
        id: Stable id: the canonical URL when declared, else the relative path.
        url: The article's URL ("" when unknown).
        title: The headline (not the ``<title>`` with the site name).
        authors: Author names, in byline order.
        body: Main text, paragraphs separated by blank lines.
        tags: Tags/keywords, in page order, without duplicates.
        section: Section or category ("" when unknown).
        published: Publication time, timezone-aware (None when unknown).
        updated: Last modification time, timezone-aware (None when unknown).
        summary: The page's description, or the body's first paragraph.
        language: ISO 639-1 code such as ``en`` ("" when unknown).
        content_hash: Hash of the raw page bytes (skip unchanged pages on re-runs).
        source: Where the page came from (the path as given).
    """

    id: str
    title: str
    body: str
    url: str = ""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    section: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    summary: str = ""
    language: str = ""
    content_hash: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def word_count(self) -> int:
        """Number of whitespace-separated words of the body."""
        return len(self.body.split())

    def to_document(self, *, local_dates: bool = False) -> dict[str, Any]:
        """The fielded document (JSON-ready), keyed by ``search.schema`` names.

        Args:
            local_dates: Write dates with the offset the page gave them
                (``2024-03-01T23:30:00-05:00``) instead of in UTC. ``extract`` prints
                them so, since the page's own calendar day is what a reader sees; the
                index always stores UTC (``schema.to_index_fields`` converts).
        """
        fmt = _iso_local if local_dates else schema.format_datetime
        return {
            schema.ID_FIELD: self.id,
            schema.URL: self.url,
            schema.TITLE: self.title,
            schema.AUTHORS: list(self.authors),
            schema.PUBLISHED: fmt(self.published),
            schema.UPDATED: fmt(self.updated),
            schema.TAGS: list(self.tags),
            schema.SECTION: self.section,
            schema.SUMMARY: self.summary,
            schema.LANGUAGE: self.language,
            schema.BODY: self.body,
            schema.WORD_COUNT: self.word_count,
            schema.CONTENT_HASH: self.content_hash,
            schema.SOURCE: self.source,
        }


def _iso_local(dt: datetime | None) -> str | None:
    """ISO 8601 text of an aware datetime in its own offset, or None."""
    return None if dt is None else dt.isoformat()
