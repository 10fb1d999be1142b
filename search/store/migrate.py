"""``analysis-search migrate``: rebuild an index in the current schema from the
stored fields of another (an older schema version, or the same).

A schema change means a new index folder, and documents written through the API
exist only in the index: the indexer cannot make them again from pages. Every
field of a document is stored, so the old index holds all of it; the old index is
opened with its own schema (whatever its version), each stored document is read
back as the API shows it and written to the new folder with today's
``schema.to_index_fields``, keeping its ``source`` and ``content_hash`` (so the
next indexer run finds unchanged pages unchanged). The old folder is only read.
A crawl's state (``crawl-state.json``) is copied along.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from search import schema
from search.errors import IndexUnavailableError, SearchError
from search.store import arrays
from search.store.index import read_version
from search.store.writing import committing_writer, open_or_create

#: Files of an index folder that are not the index and travel with it.
CARRIED_FILES = ("crawl-state.json",)


class MigrationError(SearchError):
    """The new folder cannot be used (it is not new or empty)."""

    exit_code = 2


@dataclass(slots=True)
class MigrationReport:
    """What ``migrate`` did."""

    source_version: int | None
    documents: int = 0
    #: (id, reason) of documents today's schema refuses.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def migrate(
    old_dir: str | os.PathLike[str], new_dir: str | os.PathLike[str]
) -> MigrationReport:
    """Write every document of the index in ``old_dir`` into a new index in
    ``new_dir`` in the current schema.

    Args:
        old_dir: The old index folder (read only).
        new_dir: A folder that does not exist yet, or is empty.

    Returns:
        The report (the new index is committed).

    Raises:
        IndexUnavailableError: ``old_dir`` holds no index.
        MigrationError: ``new_dir`` is not new or empty, or is the old folder.
    """
    started = time.perf_counter()
    old_path, new_path = Path(old_dir), Path(new_dir)
    if not old_path.is_dir() or not whoosh_index.exists_in(str(old_path)):
        raise IndexUnavailableError(f"folder {str(old_path)!r} holds no index")
    if new_path.exists() and (
        not new_path.is_dir()
        or any(new_path.iterdir())
        or new_path.resolve() == old_path.resolve()
    ):
        raise MigrationError(
            f"{str(new_path)!r} must be a new or empty folder (the old index "
            "stays as it is until you switch to the new one)"
        )
    report = MigrationReport(read_version(old_path))
    old = whoosh_index.open_dir(str(old_path))
    new = open_or_create(new_path)
    with old.searcher() as searcher, committing_writer(new) as writer:
        for stored in searcher.all_stored_fields():
            document = schema.stored_to_document(stored)
            try:
                fields = schema.to_index_fields(document)
            except ValueError as exc:
                report.skipped.append((str(document.get(schema.ID_FIELD)), str(exc)))
                continue
            writer.add_document(**fields)
            report.documents += 1
    arrays.build_missing(new_path, new, schema.SEARCH_FIELDS)
    for name in CARRIED_FILES:
        if (old_path / name).is_file():
            shutil.copy2(old_path / name, new_path / name)
    report.seconds = time.perf_counter() - started
    return report
