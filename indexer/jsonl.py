"""Read fielded documents, one JSON object a line, for ``index --jsonl``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from indexer.errors import UsageError
from search import schema


@dataclass(frozen=True, slots=True)
class GoodLine:
    """A valid document (``schema.normalize_document`` form) and its line number."""

    lineno: int
    doc: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that is not a valid document, and why."""

    lineno: int
    reason: str


def read_documents(path: str) -> Iterator[GoodLine | BadLine]:
    """Read and validate the documents of a JSONL file; blank lines are ignored.

    Args:
        path: The file (``-``: standard input), UTF-8.

    Yields:
        A ``GoodLine`` or ``BadLine`` per non-blank line, in file order.

    Raises:
        UsageError: The file cannot be opened.
    """
    if path == "-":
        yield from parse_lines(sys.stdin)
        return
    try:
        fh = open(path, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        yield from parse_lines(fh)


def parse_lines(lines: IO[str]) -> Iterator[GoodLine | BadLine]:
    """Validate each line of a text stream as a fielded document."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(lineno, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield BadLine(lineno, "not valid JSON (nested too deeply)")
            continue
        if not isinstance(data, dict):
            yield BadLine(lineno, f"expected a JSON object, got {type(data).__name__}")
            continue
        try:
            yield GoodLine(lineno, schema.normalize_document(data))
        except ValueError as exc:
            yield BadLine(lineno, f"invalid document: {exc}")
