"""A consistent copy of an index's last committed generation, safe while it is written.

A Whoosh index folder holds a table of contents per generation (``_MAIN_<n>.toc``,
listing the segments and their deletions) and the segments' files, which never
change once written. A snapshot is that table of contents plus the files of its
segments, hard-linked (copied across filesystems), plus the small files that live
with the index (``*.json``: the schema version, and any settings kept beside it).
It is written into a temporary folder beside the destination and renamed into
place at the end, so a half-made snapshot is never seen under its name.

A writer committing meanwhile may merge segments and delete files of the
generation being copied; the snapshot then starts again from the newer
generation (a few times at most).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from search.errors import IndexUnavailableError
from search.store.index import open_index

#: Whoosh's index name inside the folder.
INDEX_NAME = "MAIN"
#: Tries when a concurrent commit deletes files while they are linked.
ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class SnapshotReport:
    """What a snapshot holds.

    Attributes:
        dest: The snapshot folder.
        generation: The index generation copied.
        documents: Documents in it.
        files: Files in the snapshot.
        bytes: Their total size.
        linked: Whether the segment files were hard-linked (else copied).
    """

    dest: Path
    generation: int
    documents: int
    files: int
    bytes: int
    linked: bool


def snapshot(
    index_dir: str | os.PathLike[str], dest: str | os.PathLike[str]
) -> SnapshotReport:
    """Write a snapshot of the last committed generation of ``index_dir`` to ``dest``.

    Args:
        index_dir: The index folder (an indexer or the service may be writing).
        dest: A folder that does not exist yet (its parent must).

    Returns:
        What was written.

    Raises:
        IndexUnavailableError: No index in ``index_dir``, ``dest`` exists, or the
            copy failed.
        SchemaMismatchError: The index was built with another schema.
    """
    source = Path(index_dir)
    target = Path(dest)
    open_index(source).close()  # an index of our schema, or a clear error
    if target.exists() or target.is_symlink():
        raise IndexUnavailableError(f"{str(target)!r} exists; give a new folder")
    if not target.parent.is_dir():
        raise IndexUnavailableError(f"folder {str(target.parent)!r} does not exist")
    work = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    for _ in range(ATTEMPTS):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            report = _copy_generation(source, work)
        except FileNotFoundError:
            continue  # a commit removed files of that generation: take the next one
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise IndexUnavailableError(f"cannot write the snapshot: {exc}") from exc
        ix = open_index(work)  # checks the copy's schema version and fields
        try:
            with ix.searcher() as searcher:
                documents = searcher.doc_count()
        finally:
            ix.close()
        os.rename(work, target)
        return SnapshotReport(
            target, report[0], documents, report[1], report[2], report[3]
        )
    shutil.rmtree(work, ignore_errors=True)
    raise IndexUnavailableError(
        f"index {str(source)!r} changed under every one of {ATTEMPTS} tries; "
        "try again when the writer is quieter"
    )


def _copy_generation(source: Path, work: Path) -> tuple[int, int, int, bool]:
    """Link (or copy) the newest generation's files into ``work``.

    Returns:
        (generation, files, bytes, linked).

    Raises:
        FileNotFoundError: A file of that generation vanished meanwhile.
    """
    storage = FileStorage(str(source))
    generation = TOC._latest_generation(storage, INDEX_NAME)
    toc = TOC.read(storage, INDEX_NAME, generation)
    names = [name for seg in toc.segments for name in seg.list_files(storage)]
    names.append(TOC._filename(INDEX_NAME, generation))
    linked = True
    size = 0
    for name in names:
        src, dst = source / name, work / name
        try:
            os.link(src, dst)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            linked = False
            shutil.copy2(src, dst)
        size += dst.stat().st_size
    # the schema version file and any settings kept beside the index
    extras = [p for p in source.glob("*.json") if p.is_file()]
    for path in extras:
        shutil.copy2(path, work / path.name)
        size += path.stat().st_size
    return generation, len(names) + len(extras), size, linked
