"""Whoosh write side of the indexer: open the index, know its documents, add, delete."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.commits import AT_END, CommitPolicy
from indexer.errors import IndexerError
from search import schema
from search.errors import SchemaMismatchError
from search.store import arrays
from search.store.index import check_schema
from search.store.writing import committing_writer, open_or_create

log = logging.getLogger(__name__)

#: Memory (MB) of Whoosh's posting pool before it spills sorted runs to disk.
DEFAULT_LIMITMB = 256
#: Writer processes by default at most: each adds a segment to every run, merged
#: by later runs.
MAX_WRITERS = 4


def writer_count(writers: int | None) -> int:
    """Writer processes of a run: ``writers``, or one per core (at most
    ``MAX_WRITERS``) when None."""
    if writers is not None:
        return max(1, writers)
    return max(1, min(MAX_WRITERS, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """What the indexer needs to know of a document already in the index.

    Attributes:
        id: The document id.
        source: The stored ``source`` ("" for documents without one).
        content_hash: The stored content hash.
    """

    id: str
    source: str
    content_hash: str


#: Seconds a run waits for the write lock when it starts: an API write holds it for
#: a moment; a running indexer holds it for good, and the run then stops with
#: "index is locked".
START_LOCK_WAIT = 5.0
#: Seconds a periodic commit waits for the write lock to come back (an API write
#: may take it between two commits of a run).
RELOCK_TIMEOUT = 60.0
#: Seconds the lock is left free after a periodic commit: longer than a waiting
#: writer's poll (Whoosh tries every 0.1 s), so an API write waiting for it gets in.
HANDOFF_SECONDS = 0.3


class DocumentWriter:
    """The writer of an index run: adds and deletes documents by id.

    Use ``open_writer``. Changes become visible to searchers at each commit: at the
    end of the run's block, and before it as the ``CommitPolicy`` says (each commit
    is a complete, readable index generation; between two commits the write lock is
    released for a moment, so an API write can go in).
    """

    def __init__(
        self,
        begin: Callable[[float], Any],
        policy: CommitPolicy,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._begin = begin
        self.policy = policy
        #: Run after each commit made before the end (``open_writer`` writes the
        #: postings arrays of new segments there).
        self.after_commit = after_commit
        self._cm: Any = None
        self._writer: Any = None
        self._existing: dict[str, StoredDoc] | None = None
        #: Ids written by earlier commits of this run.
        self._committed: set[str] = set()
        self._pending: list[str] = []
        #: Changes since the last commit (the run commits only when some).
        self.dirty = 0
        #: Commits made before the end of the run.
        self.commits = 0
        self._since = time.monotonic()

    # --- the Whoosh writer of the current interval -----------------------------------
    def begin(self, timeout: float = 0.0) -> None:
        """Take the write lock and open a Whoosh writer."""
        self._cm = self._begin(timeout)
        self._writer = self._cm.__enter__()
        self._since = time.monotonic()

    def end(self, exc: BaseException | None = None) -> None:
        """Commit the current writer (cancel it when nothing changed), or abandon it
        when ``exc`` is given; the lock is released either way."""
        cm, self._cm, self._writer = self._cm, None, None
        if cm is None:
            return
        if exc is None:
            cm.__exit__(None, None, None)
            self._committed.update(self._pending)
        else:
            cm.__exit__(type(exc), exc, exc.__traceback__)
        self._pending = []
        self.dirty = 0

    def checkpoint(self) -> bool:
        """Commit now if the policy says so; then go on with a new writer.

        Returns:
            Whether a commit was made.

        Raises:
            IndexLockedError: The lock did not come back within
                ``RELOCK_TIMEOUT`` (what was committed stays).
        """
        policy = self.policy
        if not self.dirty or not policy.periodic:
            return False
        due = (policy.every and self.dirty >= policy.every) or (
            policy.seconds and time.monotonic() - self._since >= policy.seconds
        )
        if not due:
            return False
        self.end()
        self.commits += 1
        started = time.monotonic()
        self.after_commit()
        time.sleep(max(0.0, HANDOFF_SECONDS - (time.monotonic() - started)))
        self.begin(RELOCK_TIMEOUT)
        return True

    # --- documents -------------------------------------------------------------------
    def existing(self) -> dict[str, StoredDoc]:
        """Id -> ``StoredDoc`` of every document committed before this run.

        Read once from the stored fields (one pass over the index) and cached.
        """
        if self._existing is None:
            found: dict[str, StoredDoc] = {}
            with self._writer.reader() as reader:
                for stored in reader.all_stored_fields():
                    doc_id = stored.get(schema.ID_FIELD)
                    if isinstance(doc_id, str):
                        found[doc_id] = StoredDoc(
                            doc_id,
                            str(stored.get(schema.SOURCE) or ""),
                            str(stored.get(schema.CONTENT_HASH) or ""),
                        )
            self._existing = found
        return self._existing

    def write(self, fields: Mapping[str, Any]) -> bool:
        """Add a document, replacing the committed one with the same id.

        Args:
            fields: ``schema.to_index_fields`` output.

        Returns:
            True when a document committed before this run was replaced, False
            when it is new to the run's starting index.
        """
        doc_id = fields[schema.ID_FIELD]
        replaced = doc_id in self.existing()
        if replaced or doc_id in self._committed:
            self._writer.delete_by_term(schema.ID_FIELD, doc_id)
        self._writer.add_document(**fields)
        self._pending.append(doc_id)
        self.dirty += 1
        return replaced

    def delete(self, doc_id: str) -> bool:
        """Delete the committed document with this id.

        Returns:
            Whether a document was deleted.
        """
        deleted = bool(self._writer.delete_by_term(schema.ID_FIELD, doc_id))
        if deleted:
            self._committed.discard(doc_id)
            self.dirty += 1
        return deleted


@contextmanager
def open_writer(
    index_dir: str | os.PathLike[str],
    *,
    limitmb: int = DEFAULT_LIMITMB,
    writers: int | None = 1,
    policy: CommitPolicy = AT_END,
    lock_wait: float = START_LOCK_WAIT,
    on_commit: Callable[[], None] = lambda: None,
) -> Iterator[DocumentWriter]:
    """Open (or create) the index and write to it for one run.

    The writer commits when the block ends normally and something was added or
    deleted (a run that changes nothing leaves the index generation as it was),
    and before that whenever ``DocumentWriter.checkpoint`` finds the ``policy``
    due. On any exception, a failed commit included, the current writer is
    cancelled and the lock released: the index stays as last committed.

    Args:
        index_dir: The index folder.
        limitmb: Whoosh's in-memory posting pool size (divided among the writers).
        writers: Writer processes, each writing a segment of its own (None: one
            per core, at most ``MAX_WRITERS``; 1: this process writes). They are
            stopped on any error or Ctrl-C, and die with this process.
        policy: When to commit before the end.
        lock_wait: Seconds to wait for the write lock at the start.
        on_commit: Run after each commit, and when the block ends normally even
            if nothing was committed (the crawler saves its state there).

    Yields:
        The run's ``DocumentWriter``.

    Raises:
        IndexLockedError: Another indexer or the service is writing to the index
            (``search.store.errors``).
        IndexerError: The folder cannot be used, or holds an index of another
            schema version.
    """
    path = Path(index_dir)
    try:
        ix = open_or_create(path)
    except OSError as exc:
        raise IndexerError(f"cannot open index {path}: {exc.strerror or exc}") from None
    try:
        try:
            check_schema(path, ix)
        except SchemaMismatchError as exc:
            raise IndexerError(exc.message) from None
        procs = writer_count(writers)
        documents: DocumentWriter

        def begin(timeout: float) -> Any:
            return committing_writer(
                ix,
                timeout=timeout,
                changed=lambda: documents.dirty > 0,
                procs=procs,
                limitmb=max(32, limitmb // procs),
            )

        def after_commit() -> None:
            _write_arrays(path, ix)
            on_commit()

        documents = DocumentWriter(begin, policy, after_commit)
        documents.begin(lock_wait)
        try:
            yield documents
        except BaseException as exc:
            documents.end(exc)
            raise
        documents.end()
        _write_arrays(path, ix)
        on_commit()
    finally:
        ix.close()


def _write_arrays(path: Path, ix: Any) -> None:
    """Write the postings arrays files that large segments lack (after a commit;
    see ``search.store.arrays``). A failure only costs search speed: logged."""
    try:
        built = arrays.build_missing(path, ix, schema.SEARCH_FIELDS)
    except OSError as exc:
        log.warning(
            "%s: postings arrays not written (%s); searches read Whoosh's blocks",
            path,
            exc.strerror or exc,
        )
        return
    if built:
        log.info("%s: wrote the postings arrays of %d segment(s)", path, built)
