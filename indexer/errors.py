"""Errors of the indexer; ``indexer.cli`` maps them to messages and exit codes."""

from __future__ import annotations


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose.

    Attributes:
        exit_code: The CLI exit status this error ends a run with.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(IndexerError):
    """Bad command-line use (unknown option, missing path): exit status 2."""

    exit_code = 2


class ParseError(IndexerError):
    """One page could not be turned into an article; it is reported and skipped.

    Attributes:
        path: The page's path (or another label of its source).
        reason: A short human reason ("empty file", "no article text", ...).
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class SiteConfigError(IndexerError):
    """The ``--site-config`` TOML file is unreadable or names unknown keys."""

    exit_code = 2
