"""Domain errors of the read side; ``search.app`` maps them to HTTP in one table."""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error the search package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryError(SearchError):
    """The request (query text or a parameter) is invalid: an HTTP 400.

    Attributes:
        param: The parameter at fault (``q``, ``per_page``, ...), when known.
        position: Character offset in ``q`` of a syntax error, when known.
    """

    def __init__(
        self, message: str, *, param: str | None = None, position: int | None = None
    ) -> None:
        super().__init__(message)
        self.param = param
        self.position = position


class UnknownFacetError(QueryError):
    """A facet name that the schema does not define."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown facet {name!r}", param="facets")
        self.name = name


class DocumentNotFoundError(SearchError):
    """No document has the given id: an HTTP 404."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"no document with id {doc_id!r}")
        self.doc_id = doc_id


class InvalidDocumentError(SearchError):
    """A document sent for indexing is invalid: an HTTP 400 (or 422)."""


class IndexUnavailableError(SearchError):
    """The index cannot be opened or read right now: an HTTP 503."""


class SchemaMismatchError(IndexUnavailableError):
    """The index on disk was built with another schema version or other fields."""


class IndexLockedError(IndexUnavailableError):
    """Another writer holds the index lock: the write can be retried later."""
