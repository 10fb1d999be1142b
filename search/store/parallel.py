"""Whoosh's multi-process writer, made safe to kill, cancel and interrupt.

``ix.writer(procs=N, multisegment=True)`` (``whoosh.multiproc.MpWriter``) hands
batches of documents to N sub-writer processes, each writing a segment of its own:
the commit, where Whoosh spends most of a writer's time (sorting and compressing
posting blocks), runs on N cores. As shipped in whoosh-reloaded 2.7.5 it is unsafe
for a long-running indexer (WHOOSH-NOTES):

* ``cancel()`` only flags the parent's copies of the sub-writer objects, so the
  processes keep waiting on their job queue forever;
* a sub-writer that dies (killed, out of memory) is noticed by nobody: ``commit()``
  waits one second for its result, then commits without its documents;
* after ``kill -9`` of the indexer its sub-writers live on, and since they inherit
  the descriptor of the index's write lock (``flock``), the index stays locked.

``ParallelWriter`` fixes the three: sub-writers die with their parent (Linux
``PR_SET_PDEATHSIG``) and ignore Ctrl-C (the parent cancels them); ``cancel()``
terminates and reaps them before Whoosh removes the temporary files; ``commit()``
raises
``SubWriterError`` (and commits nothing) unless every sub-writer ended cleanly and
sent its segment.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import queue
import signal
import sys
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from search.store import arrays
from search.store.errors import SubWriterError

#: Seconds between ``commit()``'s checks that its sub-writers are still alive.
RESULT_POLL = 0.5
#: Tag of a sub-writer's result that reports its failure (with the reason).
FAILED = "failed"
#: Linux ``prctl`` option: the signal a process gets when its parent exits.
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make the calling (child) process get SIGKILL when its parent exits."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's cancel() remains
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _SubWriter(SubWriterTask):  # type: ignore[misc]
    """A sub-writer process that dies with its parent and leaves Ctrl-C to it."""

    def __init__(
        self, *args: Any, arrays_fields: tuple[str, ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.arrays_fields = arrays_fields
        self.parent_pid = os.getpid()
        self.daemon = True  # never outlives the parent's interpreter either

    def run(self) -> None:
        _die_with_parent(self.parent_pid)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self._write()
        except OSError as exc:  # a full disk, a read-only folder: tell the parent
            try:
                self.resultqueue.put(
                    (FAILED, exc.strerror or str(exc), None), timeout=5
                )
            except Exception:  # the parent sees the exit status anyway
                pass
            sys.exit(1)

    def _write(self) -> None:
        # Whoosh's SubWriterTask.run, multisegment case, plus the segment's
        # postings arrays (search.store.arrays), written here on every core
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = SegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()
        if self.arrays_fields and segment.doc_count_all() >= arrays.MIN_DOCS:
            reader = SegmentReader(self.storage, ix.schema, segment)
            try:
                arrays.build(self.storage.folder, reader, self.arrays_fields)
            except OSError:  # only a speed-up: the indexer builds what is missing
                pass
            finally:
                reader.close()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


class ParallelWriter(MpWriter):  # type: ignore[misc]
    """``MpWriter`` with ``multisegment=True`` whose sub-writers can be stopped."""

    def __init__(
        self,
        ix: Any,
        procs: int,
        arrays_fields: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        """Lock the index and prepare ``procs`` sub-writers (started on demand);
        each writes the postings arrays of ``arrays_fields`` for its segment."""
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self.arrays_fields = arrays_fields

    def _new_task(self) -> Any:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            arrays_fields=self.arrays_fields,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _check_tasks(self) -> None:
        """Raise ``SubWriterError`` when a sub-writer has died. (One killed while
        it held the job queue's lock leaves the others waiting on it forever.)"""
        dead = [t.exitcode for t in self.tasks if t.exitcode not in (None, 0)]
        if dead:
            codes = ", ".join(str(code) for code in dead)
            raise SubWriterError(f"an index sub-writer process failed ({codes})")

    def _put(self, job: Any) -> None:
        """Queue a job for the sub-writers, never blocking on dead ones."""
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put(job, timeout=RESULT_POLL)
                return
            except queue.Full:
                continue

    def _enqueue(self) -> None:
        # Whoosh's _enqueue, with a put that notices dead sub-writers
        docs: list[Any] = self.docbuffer
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in docs:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(docs)))
        self.docbuffer: list[Any] = []

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        # Whoosh's _commit, with every sub-writer's outcome checked
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results: list[Any] = []
        while len(results) < len(self.tasks):
            self._check_tasks()
            try:
                results.append(self.resultqueue.get(timeout=RESULT_POLL))
            except queue.Empty:
                if not any(t.is_alive() for t in self.tasks):
                    break  # every sub-writer has exited: nothing more will come
        for task in self.tasks:
            task.join()
        failed = [t for t in self.tasks if t.exitcode != 0]
        reasons = [reason for tag, reason, _ in results if tag == FAILED]
        if reasons:
            raise SubWriterError(f"an index sub-writer process failed: {reasons[0]}")
        if failed or len(results) != len(self.tasks):
            codes = ", ".join(str(t.exitcode) for t in failed) or "no segment sent"
            raise SubWriterError(f"an index sub-writer process failed ({codes})")
        finalsegments += [segment for _, _, segment in results]  # all succeeded
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self) -> None:
        """Stop the sub-writers, then remove the temporary files (job files
        included) and release the lock."""
        try:
            self.stop_tasks()
        finally:
            self.docbuffer = []
            super().cancel()

    def stop_tasks(self) -> None:
        """Terminate and reap every sub-writer process still running."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(5)
            if task.is_alive():
                task.kill()
                task.join()
