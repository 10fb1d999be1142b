"""Whoosh write helpers shared by the indexer and the service: open/create, safe writer.

A leaf module: it imports only whoosh, the standard library and ``search.schema``, so
the indexer may use it without pulling in the service.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import Index

from search import schema


def read_schema_version(index_dir: str | os.PathLike[str]) -> int | None:
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


def write_schema_version(index_dir: str | os.PathLike[str]) -> None:
    """Record ``schema.SCHEMA_VERSION`` in the index folder (atomically replaced)."""
    path = Path(index_dir) / schema.VERSION_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps({"schema_version": schema.SCHEMA_VERSION}) + "\n", encoding="utf-8"
    )
    os.replace(tmp, path)


def open_or_create(index_dir: str | os.PathLike[str]) -> Index:
    """Open the index in ``index_dir``; create the folder and an empty index if needed.

    A new index gets ``schema.ArticleSchema()`` and a ``schema.VERSION_FILE``
    (written before the index, so a folder holding an index always names its
    version). An existing index is opened as it is: checking its version is the
    caller's job (``read_schema_version``).

    Args:
        index_dir: The index folder.

    Returns:
        The open Whoosh index.

    Raises:
        OSError: The folder cannot be created or written.
    """
    path = Path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    if index.exists_in(str(path)):
        return index.open_dir(str(path))
    write_schema_version(path)
    return index.create_in(str(path), schema.ArticleSchema())


@contextmanager
def committing_writer(
    ix: Index, timeout: float = 0.0, **writer_kwargs: Any
) -> Iterator[Any]:
    """A Whoosh writer that commits when the block succeeds and always unlocks.

    Whoosh 2.7.5's own ``with ix.writer():`` leaves the index write-locked when
    ``commit()`` itself fails (WHOOSH-NOTES bug 1). Here any exception, in the
    block or in the commit, cancels the writer; if even ``cancel()`` fails, the
    write lock is released directly. The exception is then re-raised.

    Args:
        ix: The index.
        timeout: Seconds to wait for the write lock (0: fail at once).
        **writer_kwargs: Passed to ``ix.writer`` (``limitmb``, ``procs``, ...).

    Yields:
        The writer.

    Raises:
        whoosh.index.LockError: Another writer holds the lock (not wrapped here).
    """
    writer = ix.writer(timeout=timeout, **writer_kwargs)
    try:
        yield writer
        writer.commit()
    except BaseException:
        abandon(writer)
        raise


def abandon(writer: Any) -> None:
    """Cancel a writer after a failure; release its write lock even if cancelling fails.

    Does nothing when the writer is already closed (committed or cancelled).

    Args:
        writer: A Whoosh writer.
    """
    if getattr(writer, "is_closed", False):
        return
    try:
        writer.cancel()
    except Exception:  # best effort: releasing the lock below is what matters
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None and not getattr(writer, "is_closed", True):
            try:
                lock.release()
            except Exception:  # already released: nothing left to do
                pass
            writer.is_closed = True
