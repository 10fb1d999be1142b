"""Errors of the store layer, raised by both the service and the indexer."""

from __future__ import annotations

from search.errors import IndexUnavailableError, SearchError


class IndexLockedError(IndexUnavailableError):
    """Another writer (an indexer run or the service) holds the index's write lock.

    Attributes:
        index_dir: The index folder.
    """

    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"index is locked: another indexer or the service is writing to "
            f"{index_dir}; retry shortly"
        )
        self.index_dir = index_dir


class SubWriterError(SearchError):
    """A sub-writer process of a parallel index writer failed; nothing was
    committed."""

    exit_code = 1
