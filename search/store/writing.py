"""The one write path of an index, for the indexer and the service: open or create
the index, and a writer that commits or cancels and always releases the lock."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import Index, LockError

from search import schema
from search.store.errors import IndexLockedError
from search.store.parallel import ParallelWriter


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
    caller's job (``search.store.index.check_schema``).

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
    ix: Index,
    timeout: float = 0.0,
    *,
    changed: Callable[[], bool] | None = None,
    procs: int = 1,
    mergetype: Callable[[Any, list[Any]], list[Any]] | None = None,
    **writer_kwargs: Any,
) -> Iterator[Any]:
    """A Whoosh writer that commits when the block succeeds and always unlocks.

    Whoosh 2.7.5's own ``with ix.writer():`` leaves the index write-locked when
    ``commit()`` itself fails (WHOOSH-NOTES bug 1). Here any exception, in the
    block or in the commit, cancels the writer; if even ``cancel()`` fails, the
    write lock is released directly. The exception is then re-raised.

    Args:
        ix: The index.
        timeout: Seconds to wait for the write lock (0: fail at once).
        changed: Asked when the block ends normally; when it answers False the
            writer is cancelled instead of committed, so a run that changed
            nothing keeps the index generation as it was (None: always commit).
        procs: Writer processes: above 1, ``search.store.parallel.ParallelWriter``
            writes that many segments at once (``limitmb`` is then each one's),
            each with its postings arrays (``search.store.arrays``).
        mergetype: The Whoosh merge policy of the commit (None: Whoosh's
            ``MERGE_SMALL``; see ``search.store.merging``).
        **writer_kwargs: Passed to the writer (``limitmb``, ...).

    Yields:
        The writer.

    Raises:
        IndexLockedError: Another writer holds the lock.
    """
    try:
        if procs > 1:
            writer = ParallelWriter(
                ix, procs, tuple(schema.SEARCH_FIELDS), timeout=timeout, **writer_kwargs
            )
        else:
            writer = ix.writer(timeout=timeout, **writer_kwargs)
    except LockError:
        folder = getattr(ix.storage, "folder", None) or "the index"
        raise IndexLockedError(str(folder)) from None
    try:
        yield writer
        if changed is None or changed():
            if mergetype is None:
                writer.commit()
            else:
                writer.commit(mergetype=mergetype)
        else:
            writer.cancel()
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
