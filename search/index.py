"""Opening an index for reading, with schema checks that make a mismatch fail fast."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search import schema, storage
from search.errors import IndexUnavailableError, SchemaMismatchError


def read_version(index_dir: Path) -> int | None:
    """The schema version recorded next to the index, or None when absent/unreadable."""
    try:
        data = json.loads((index_dir / schema.VERSION_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("schema_version") if isinstance(data, dict) else None
    return version if isinstance(version, int) else None


def open_index(path: str | os.PathLike[str]) -> Any:
    """Open an existing index after checking its version and fields.

    Args:
        path: The index folder.

    Returns:
        The open ``whoosh.index.Index``.

    Raises:
        IndexUnavailableError: The folder does not exist or holds no index.
        SchemaMismatchError: The index was built with another schema version or
            other fields.
    """
    index_dir = Path(path)
    if not index_dir.is_dir():
        raise IndexUnavailableError(f"index folder {str(index_dir)!r} does not exist")
    try:
        exists = whoosh_index.exists_in(str(index_dir))
    except OSError as exc:
        raise IndexUnavailableError(
            f"index folder {str(index_dir)!r} cannot be read: {exc}"
        ) from exc
    if not exists:
        raise IndexUnavailableError(
            f"folder {str(index_dir)!r} holds no index; build one with "
            "'analysis-search index'"
        )
    version = read_version(index_dir)
    if version != schema.SCHEMA_VERSION:
        raise SchemaMismatchError(
            f"index {str(index_dir)!r} has schema version {version}, this program "
            f"needs {schema.SCHEMA_VERSION}; rebuild the index"
        )
    storage.install()  # read memory-mapped segments in place (see search.storage)
    try:
        ix = whoosh_index.open_dir(str(index_dir))
    except (OSError, whoosh_index.EmptyIndexError) as exc:
        raise IndexUnavailableError(
            f"index {str(index_dir)!r} cannot be opened: {exc}"
        ) from exc
    names = frozenset(ix.schema.names())
    expected = schema.field_names()
    if names != expected:
        missing = sorted(expected - names)
        extra = sorted(names - expected)
        ix.close()
        raise SchemaMismatchError(
            f"index {str(index_dir)!r} has other fields than this program's schema "
            f"(missing: {missing}, unexpected: {extra}); rebuild the index"
        )
    return ix
