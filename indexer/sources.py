"""Find article pages under input paths and read their bytes (filesystem I/O only)."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import ParseError

#: File name endings of article pages, compared case-insensitively.
PAGE_SUFFIXES: tuple[str, ...] = (".html", ".htm", ".html.gz", ".htm.gz")
#: Pages larger than this (after decompression) are skipped as "too large" (here,
#: and by ``indexer.parse`` for pages read otherwise, such as standard input).
MAX_PAGE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Source:
    """One page file found under an input path.

    Attributes:
        path: The file on disk.
        source: The path as indexed: the input path as given, joined with the file's
            path below it (what ``extract`` prints and the index stores as ``source``).
        rel_id: The file's path relative to the input folder, with ``/`` separators
            (the document id when the page declares no canonical URL).
        key: The absolute, normalised path: how re-runs and ``--prune`` recognise
            a file whatever the form of the path it was indexed under.
    """

    path: Path
    source: str
    rel_id: str
    key: str


def is_page(name: str) -> bool:
    """Whether a file name ends like a page (``.html``, ``.htm``, ``.html.gz``)."""
    return name.lower().endswith(PAGE_SUFFIXES)


def source_key(path: str | os.PathLike[str]) -> str:
    """The absolute, normalised form of a path (symlinks not resolved)."""
    return os.path.normpath(os.path.abspath(os.fspath(path)))


def iter_sources(paths: Sequence[str]) -> Iterator[Source]:
    """Yield every page under the input paths, each once, in a stable order.

    A folder is walked recursively (hidden folders skipped, names sorted); a file
    named on the command line is taken whatever its name ends with.

    Args:
        paths: Files and folders as given on the command line.

    Yields:
        One ``Source`` per page file.

    Raises:
        FileNotFoundError: An input path does not exist.
    """
    seen: set[str] = set()
    for given in paths:
        if os.path.isdir(given):
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith(".") or not is_page(name):
                        continue
                    full = os.path.join(dirpath, name)
                    key = source_key(full)
                    if key in seen:
                        continue
                    seen.add(key)
                    rel = os.path.relpath(full, given).replace(os.sep, "/")
                    yield Source(Path(full), full, rel, key)
        elif os.path.exists(given):
            key = source_key(given)
            if key not in seen:
                seen.add(key)
                yield Source(Path(given), given, os.path.basename(given), key)
        else:
            raise FileNotFoundError(given)


def roots_of(paths: Sequence[str]) -> list[str]:
    """Normalised keys of the input paths (the scope of ``--prune``)."""
    return [source_key(p) for p in paths]


def under_roots(key: str, roots: Sequence[str]) -> bool:
    """Whether a source key is one of the roots or lies below one of them."""
    return any(
        key == root or key.startswith(root.rstrip(os.sep) + os.sep) for root in roots
    )


def read_page(path: Path, label: str | None = None) -> bytes:
    """Read a page's bytes, decompressing ``.gz`` files.

    Args:
        path: The file.
        label: How to name the page in errors (defaults to ``path``).

    Returns:
        The (decompressed) page bytes.

    Raises:
        ParseError: The file cannot be read, is not valid gzip, or is larger than
            ``MAX_PAGE_BYTES``.
    """
    name = label if label is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise ParseError(name, _too_large(size))
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                data = fh.read(MAX_PAGE_BYTES + 1)
        else:
            data = path.read_bytes()
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise ParseError(name, f"not a valid gzip file ({exc})") from None
        raise ParseError(name, f"cannot read file: {exc.strerror or exc}") from None
    except (EOFError, zlib.error) as exc:
        raise ParseError(name, f"corrupt gzip file ({exc})") from None
    if len(data) > MAX_PAGE_BYTES:
        raise ParseError(name, _too_large(len(data)) + " once decompressed")
    return data


def _too_large(size: int) -> str:
    return (
        f"page is too large ({size / 1048576:.1f} MB; "
        f"the limit is {MAX_PAGE_BYTES // 1048576} MB)"
    )
