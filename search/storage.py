"""Reading memory-mapped index segments without copying them (a whoosh-reloaded fix).

Whoosh opens a compound segment file with ``mmap`` and hands each part to a
``BufferFile``, whose constructor wraps the memory map in ``io.BytesIO(buf)``:
that *copies* the whole part. Every reader therefore holds a private copy of the
index (about 300 MB per searcher at 10,000 articles), and the service keeps one
searcher per thread. ``install()`` makes the compound storage use
``ZeroCopyBufferFile`` instead, which reads the memory map in place; the pages are
shared by every searcher through the OS page cache.

Without ``mmap`` (``FileStorage(supports_mmap=False)``) nothing is copied either,
but each searcher then holds open file handles, which leak when an engine is
dropped without ``close()``.
"""

from __future__ import annotations

import threading
from typing import Any

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile

_installed = False
_lock = threading.Lock()


class _ViewReader:
    """The minimal read-only file interface Whoosh uses, over a memoryview."""

    __slots__ = ("_view", "_pos", "_len")

    def __init__(self, view: Any) -> None:
        self._view = memoryview(view)
        self._pos = 0
        self._len = len(self._view)

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        if size is None or size < 0:
            end = self._len
        else:
            end = min(self._len, start + size)
        self._pos = end
        return bytes(self._view[start:end])

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        limit = self._len if size is None or size < 0 else min(self._len, start + size)
        pos = start
        while pos < limit:
            chunk = bytes(self._view[pos : min(limit, pos + 256)])
            nl = chunk.find(b"\n")
            if nl >= 0:
                pos += nl + 1
                break
            pos += len(chunk)
        self._pos = pos
        return bytes(self._view[start:pos])

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += self._len
        self._pos = max(0, offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view.release()


class ZeroCopyBufferFile(BufferFile):  # type: ignore[misc]
    """A ``BufferFile`` that reads its buffer in place instead of copying it."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.file = _ViewReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


def install() -> None:
    """Make Whoosh's compound segment storage read memory maps without copies."""
    global _installed
    with _lock:
        if not _installed:
            compound.BufferFile = ZeroCopyBufferFile
            _installed = True
