"""Domain errors of the read side; ``search.web.app`` maps them to HTTP in one table."""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error the search package raises on purpose.

    Attributes:
        exit_code: The exit status of ``analysis-search serve``/``query`` when the
            error ends the command (usage and input errors 2, the rest 1).
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryError(SearchError):
    """The request (query text or a parameter) is invalid: an HTTP 400.

    Attributes:
        param: The parameter at fault (``q``, ``per_page``, ...), when known.
        position: Character offset in ``q`` of a syntax error, when known.
    """

    exit_code = 2

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


class ReadOnlyIndexError(SearchError):
    """A write sent to a server of a read-only snapshot: an HTTP 405.

    Attributes:
        index_dir: The snapshot served.
    """

    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"this server serves a read-only snapshot of the index ({index_dir}); "
            "send writes to the writer"
        )
        self.index_dir = index_dir


class ExtractionError(InvalidDocumentError):
    """The extractor could not make a document of an HTML body: an HTTP 422."""


class ExtractorUnavailableError(SearchError):
    """The extract command cannot be run at all (misconfigured): an HTTP 503."""


class ConfigError(SearchError):
    """A setting has an invalid value; the message names the environment variable."""

    exit_code = 2


class UsageError(SearchError):
    """Bad command-line use of ``serve`` or ``query``: exit status 2."""

    exit_code = 2


# ``IndexLockedError`` (an ``IndexUnavailableError``) is defined once, in the store
# layer that raises it for the service and the indexer: ``search.store.errors``.
