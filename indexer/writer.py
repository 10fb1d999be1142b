"""Whoosh write side of the indexer: open the index, know its documents, add, delete."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class DocumentWriter:
    """The one writer of an index run: adds and deletes documents by id.

    Use ``open_writer``; nothing is visible to searchers until the run's block
    ends without an exception and the writer commits.
    """

    def __init__(self, writer: Any) -> None:
        self._writer = writer
        self._existing: dict[str, StoredDoc] | None = None
        #: Whether anything was added or deleted (else the run commits nothing).
        self.changed = False

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
            True when a committed document was replaced, False when it is new.
        """
        doc_id = fields[schema.ID_FIELD]
        replaced = doc_id in self.existing()
        if replaced:
            self._writer.delete_by_term(schema.ID_FIELD, doc_id)
        self._writer.add_document(**fields)
        self.changed = True
        return replaced

    def delete(self, doc_id: str) -> bool:
        """Delete the committed document with this id.

        Returns:
            Whether a document was deleted.
        """
        deleted = bool(self._writer.delete_by_term(schema.ID_FIELD, doc_id))
        self.changed = self.changed or deleted
        return deleted


@contextmanager
def open_writer(
    index_dir: str | os.PathLike[str],
    *,
    limitmb: int = DEFAULT_LIMITMB,
    writers: int | None = 1,
) -> Iterator[DocumentWriter]:
    """Open (or create) the index and hold its write lock for one run.

    The writer commits when the block ends normally and something was added or
    deleted (a run that changes nothing leaves the index generation as it was);
    on any exception, a failed commit included, it is cancelled and the lock
    released: the previously committed index stays as it was.

    Args:
        index_dir: The index folder.
        limitmb: Whoosh's in-memory posting pool size (divided among the writers).
        writers: Writer processes, each writing a segment of its own (None: one
            per core, at most ``MAX_WRITERS``; 1: this process writes). They are
            stopped on any error or Ctrl-C, and die with this process.

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
        documents: DocumentWriter | None = None
        procs = writer_count(writers)
        with committing_writer(
            ix,
            timeout=0.0,
            changed=lambda: documents is not None and documents.changed,
            procs=procs,
            limitmb=max(32, limitmb // procs),
        ) as writer:
            documents = DocumentWriter(writer)
            yield documents
        _write_arrays(path, ix)
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
