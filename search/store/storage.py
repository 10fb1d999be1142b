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

Each searcher also maps the segment file anew. The pages are shared, but the
resident size of the process counts every mapping's pages again: with eight
threads' searchers a 180 MB segment showed up as 290 MB of file pages (and the
benchmark's "peak memory" with them). ``install()`` therefore also makes the
readers of one segment file share one memory map (reference-counted, keyed by the
file's device, inode, size and modification time: segment files never change once
written).
"""

from __future__ import annotations

import mmap
import os
import threading
from typing import Any

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile

_installed = False
_lock = threading.Lock()
#: (device, inode, size, mtime) of a segment file -> [its memory map, users].
_shared_maps: dict[tuple[int, int, int, int], list[Any]] = {}


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


def _file_key(dbfile: Any) -> tuple[int, int, int, int] | None:
    try:
        st = os.fstat(dbfile.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _shared_init(original: Any) -> Any:
    def __init__(
        self: Any, dbfile: Any, use_mmap: bool = True, basepos: int = 0
    ) -> None:
        key = _file_key(dbfile)
        original(self, dbfile, use_mmap, basepos)
        self._shared_key = None
        if key is None or not isinstance(self._source, mmap.mmap):
            return
        with _lock:
            entry = _shared_maps.get(key)
            if entry is None:
                _shared_maps[key] = [self._source, 1]
            else:
                self._source.close()  # fresh, nothing reads it yet
                self._source = entry[0]
                entry[1] += 1
        self._shared_key = key

    return __init__


def _shared_close(original: Any) -> Any:
    def close(self: Any) -> None:
        key = getattr(self, "_shared_key", None)
        if key is None:
            original(self)
            return
        if self.is_closed:
            raise Exception("Already closed")
        self.is_closed = True
        with _lock:
            entry = _shared_maps.get(key)
            last = entry is not None and entry[0] is self._source and entry[1] <= 1
            if entry is not None and entry[0] is self._source:
                entry[1] -= 1
                if last:
                    del _shared_maps[key]
        if last:
            try:
                self._source.close()
            except BufferError:  # a view is still alive: the map goes with it
                pass
        self._source = None
        if self._file:
            self._file.close()

    return close


def install() -> None:
    """Make Whoosh's compound segment storage read memory maps without copies,
    and share one memory map per segment file among all readers."""
    global _installed
    with _lock:
        if not _installed:
            compound.BufferFile = ZeroCopyBufferFile
            cls = compound.CompoundStorage
            cls.__init__ = _shared_init(cls.__init__)
            cls.close = _shared_close(cls.close)
            _installed = True
