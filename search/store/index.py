"""Opening an index for reading, with the one schema check both sides use."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search import schema
from search.errors import IndexUnavailableError, SchemaMismatchError
from search.store import storage

#: Times an index is opened again when a commit removes the generation being opened.
OPEN_ATTEMPTS = 5


def read_version(index_dir: str | os.PathLike[str]) -> int | None:
    """The schema version recorded in an index folder's ``schema.VERSION_FILE``.

    Args:
        index_dir: The index folder.

    Returns:
        The version, or None when the file is missing or unreadable.
    """
    try:
        data = json.loads((Path(index_dir) / schema.VERSION_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("schema_version") if isinstance(data, dict) else None
    return version if isinstance(version, int) else None


def check_version(index_dir: str | os.PathLike[str]) -> None:
    """Refuse an index folder whose version file is not ``schema.SCHEMA_VERSION``.

    Raises:
        SchemaMismatchError: The version file is missing or names another version.
    """
    path = str(index_dir)
    version = read_version(index_dir)
    if version != schema.SCHEMA_VERSION:
        found = "no schema version" if version is None else f"schema version {version}"
        raise SchemaMismatchError(
            f"index {path!r} has {found}; this program needs schema version "
            f"{schema.SCHEMA_VERSION}: rebuild it in a new folder with "
            f"'analysis-search migrate --index {path} NEW'"
        )


def check_schema(index_dir: str | os.PathLike[str], ix: Any) -> None:
    """Refuse an index built with another schema version or other fields.

    Args:
        index_dir: The index folder (its version file is read).
        ix: The open Whoosh index.

    Raises:
        SchemaMismatchError: The version file or the field names differ from
            ``search.schema``.
    """
    check_version(index_dir)
    path = str(index_dir)
    names = frozenset(ix.schema.names())
    expected = schema.field_names()
    if names != expected:
        missing = sorted(expected - names)
        extra = sorted(names - expected)
        raise SchemaMismatchError(
            f"index {path!r} has other fields than this program's schema "
            f"(missing: {missing}, unexpected: {extra}); rebuild it in a new folder "
            f"with 'analysis-search migrate --index {path} NEW'"
        )


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
    if not _exists(index_dir):
        raise IndexUnavailableError(
            f"folder {str(index_dir)!r} holds no index; build one with "
            "'analysis-search index'"
        )
    check_version(index_dir)  # before opening a folder of an unknown format
    storage.install()  # read memory-mapped segments in place (see search.store.storage)
    for attempt in range(OPEN_ATTEMPTS):
        try:
            ix = whoosh_index.open_dir(str(index_dir))
            break
        except FileNotFoundError as exc:
            # a commit removed the generation Whoosh had just listed as the
            # newest (it deletes the old TOC): read the listing again
            if attempt + 1 == OPEN_ATTEMPTS:
                raise IndexUnavailableError(
                    f"index {str(index_dir)!r} cannot be opened: {exc}"
                ) from exc
        except (OSError, whoosh_index.EmptyIndexError) as exc:
            raise IndexUnavailableError(
                f"index {str(index_dir)!r} cannot be opened: {exc}"
            ) from exc
    try:
        check_schema(index_dir, ix)
    except SchemaMismatchError:
        ix.close()
        raise
    return ix


def _exists(index_dir: Path) -> bool:
    """Whether the folder holds an index (Whoosh reads the newest TOC to say so:
    a commit that removes it meanwhile is waited out, as in ``open_index``).

    Raises:
        IndexUnavailableError: The folder cannot be read.
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return bool(whoosh_index.exists_in(str(index_dir)))
        except FileNotFoundError as exc:
            if attempt + 1 == OPEN_ATTEMPTS:
                raise IndexUnavailableError(
                    f"index folder {str(index_dir)!r} cannot be read: {exc}"
                ) from exc
        except OSError as exc:
            raise IndexUnavailableError(
                f"index folder {str(index_dir)!r} cannot be read: {exc}"
            ) from exc
    return False  # not reached: the last attempt returns or raises


def latest_generation(ix: Any) -> int:
    """The newest committed generation of an open index."""
    return int(ix.latest_generation())
