"""Orchestrate an index run: sources -> parse (in worker processes) -> one writer.

A run holds the index's write lock from start to end and commits once, at the
end: a crash, a kill or ``--strict`` stopping at a bad page leaves the index
exactly as the previous run committed it.

Unchanged pages are recognised without parsing them: the main process hashes
each page's bytes and compares the hash with the one stored for that file.
Only new and changed pages go to the parser processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer import jsonl
from indexer.commits import AT_END, DEFAULT_POLICY, CommitPolicy
from indexer.errors import ParseError, UsageError
from indexer.pool import DEFAULT_BUDGET, Budget
from indexer.siteconfig import EMPTY, SiteConfig
from indexer.sources import Source, iter_sources, read_page, roots_of, under_roots
from indexer.workers import PageResult, PageTask, parse_pages
from indexer.writer import DEFAULT_LIMITMB, DocumentWriter, StoredDoc, open_writer
from search import schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexOptions:
    """What to index and how (built by ``indexer.cli`` from the command line).

    Attributes:
        index_dir: The index folder (created when missing).
        paths: Files and folders of pages.
        jsonl: A file of fielded documents, one JSON object a line (``-``: stdin).
        prune: Delete documents whose file under ``paths`` is gone.
        strict: Stop at the first bad page and commit nothing.
        site: CSS-selector overrides for the parser.
        jobs: Parser processes (None: one per core; 1: parse in-process).
        budget: What one page may cost to parse (time and memory).
        commit: When to commit before the end of the run (ignored with
            ``strict``, which commits once, at the end, or nothing).
        limitmb: Whoosh's in-memory posting pool size (MB), shared by the writers.
        writers: Writer processes, each writing a segment (None: one per core, at
            most ``MAX_WRITERS``; 1: the indexer's own process writes).
    """

    index_dir: Path
    paths: tuple[str, ...] = ()
    jsonl: str | None = None
    prune: bool = False
    strict: bool = False
    site: SiteConfig = EMPTY
    jobs: int | None = None
    budget: Budget = DEFAULT_BUDGET
    commit: CommitPolicy = DEFAULT_POLICY
    limitmb: int = DEFAULT_LIMITMB
    writers: int | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A page (or JSON line) that was not indexed, and why."""

    source: str
    reason: str


@dataclass(slots=True)
class IndexReport:
    """The outcome of an index run (what the summary line and ``--json`` show)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    #: Commits made before the end of the run (``--commit-every``/``-interval``).
    commits: int = 0

    @property
    def pages(self) -> int:
        """Pages (or JSON lines) looked at, skipped ones included."""
        return self.added + self.updated + self.unchanged + len(self.skipped)

    @property
    def pages_per_second(self) -> float:
        """Throughput of the run over every page looked at."""
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the report."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "pages_per_second": round(self.pages_per_second, 1),
            "commits_before_end": self.commits,
        }

    def summary(self) -> str:
        """The one-line summary printed at the end of a run."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted, {len(self.skipped)} skipped "
            f"({self.pages} pages in {self.seconds:.1f} s, "
            f"{self.pages_per_second:.1f} pages/s)"
        )


class Reporter(Protocol):
    """What the pipeline tells its caller while it runs (the CLI prints it)."""

    def start(self, total: int) -> None:
        """The run will look at ``total`` pages."""

    def advance(self, n: int = 1) -> None:
        """``n`` more pages are done (indexed, unchanged or skipped)."""

    def skipped(self, item: Skipped) -> None:
        """A page was skipped."""


class SilentReporter:
    """A reporter that reports nothing."""

    def start(self, total: int) -> None:
        """Ignore the total."""

    def advance(self, n: int = 1) -> None:
        """Ignore progress."""

    def skipped(self, item: Skipped) -> None:
        """Ignore skipped pages (they are in the report)."""


def run(options: IndexOptions, reporter: Reporter | None = None) -> IndexReport:
    """Index pages (or JSONL documents) into the index folder.

    Args:
        options: What to index.
        reporter: Receives progress and skipped pages as they happen.

    Returns:
        The report of the run (committed when this returns).

    Raises:
        UsageError: An input path does not exist.
        ParseError: With ``strict``, the first bad page (nothing was committed).
        IndexLockedError: Another writer holds the index (``search.store.errors``).
        IndexerError: The index folder is unusable.
    """
    rep: Reporter = reporter if reporter is not None else SilentReporter()
    started = time.perf_counter()
    if options.jsonl is not None:
        report = _run_jsonl(options, rep)
    else:
        try:
            sources = list(iter_sources(options.paths))
        except FileNotFoundError as exc:
            raise UsageError(f"no such file or folder: {exc.args[0]}") from None
        report = IndexReport()
        with open_writer(
            options.index_dir,
            limitmb=options.limitmb,
            writers=options.writers,
            policy=_policy(options),
        ) as writer:
            _run_pages(options, sources, writer, report, rep)
            report.commits = writer.commits
    report.seconds = time.perf_counter() - started
    return report


class _PageRun:
    """State of one run over page files: what is known, written and seen."""

    def __init__(
        self,
        options: IndexOptions,
        writer: DocumentWriter,
        report: IndexReport,
        rep: Reporter,
    ) -> None:
        self.options = options
        self.writer = writer
        self.report = report
        self.rep = rep
        existing = writer.existing()
        #: source key -> stored doc, for documents indexed from files.
        self.by_source: dict[str, StoredDoc] = {
            d.source: d for d in existing.values() if d.source
        }
        #: id -> source key of every document written or kept by this run.
        self.claimed: dict[str, str] = {}
        self.seen: set[str] = set()

    def skip(self, label: str, reason: str) -> None:
        item = Skipped(label, reason)
        if self.options.strict:
            raise ParseError(label, reason)
        self.report.skipped.append(item)
        self.rep.skipped(item)
        self.rep.advance()

    def check(self, src: Source) -> PageTask | None:
        """Hash a page; count it unchanged, or return the task of parsing it."""
        self.seen.add(src.key)
        try:
            data = read_page(src.path, src.source)
        except ParseError as exc:
            self.skip(src.source, exc.reason)
            return None
        stored = self.by_source.get(src.key)
        if stored is not None and stored.content_hash == schema.content_hash(data):
            self.report.unchanged += 1
            self.claimed.setdefault(stored.id, src.key)
            self.rep.advance()
            return None
        return PageTask(str(src.path), src.source, src.rel_id, src.key)

    def store(self, result: PageResult) -> None:
        """Write a parsed page (or report why it was not parsed)."""
        task = result.task
        if result.document is None:
            if result.detail:
                logger.debug("%s: %s\n%s", task.label, result.reason, result.detail)
            self.skip(task.label, result.reason)
            return
        document = {**result.document, schema.SOURCE: task.key}
        try:
            fields = schema.to_index_fields(document)
        except ValueError as exc:
            self.skip(task.label, f"invalid document: {exc}")
            return
        doc_id = fields[schema.ID_FIELD]
        owner = self.claimed.get(doc_id)
        if owner is not None and owner != task.key:
            self.skip(
                task.label, f"duplicate id {doc_id!r}: already indexed from {owner}"
            )
            return
        previous = self.by_source.get(task.key)
        if (
            previous is not None
            and previous.id != doc_id
            and previous.id not in self.claimed
        ):
            # The page now declares another id (e.g. a new canonical URL).
            self.writer.delete(previous.id)
        replaced = self.writer.write(fields)
        self.claimed[doc_id] = task.key
        if replaced or previous is not None:
            self.report.updated += 1
        else:
            self.report.added += 1
        self.rep.advance()

    def prune(self, roots: Sequence[str]) -> None:
        """Delete documents of files under the roots that this run did not see."""
        for key, stored in self.by_source.items():
            if (
                key in self.seen
                or stored.id in self.claimed
                or not under_roots(key, roots)
            ):
                continue
            if self.writer.delete(stored.id):
                self.report.deleted += 1


def _run_pages(
    options: IndexOptions,
    sources: Sequence[Source],
    writer: DocumentWriter,
    report: IndexReport,
    rep: Reporter,
) -> None:
    state = _PageRun(options, writer, report, rep)
    rep.start(len(sources))
    tasks = [task for task in map(state.check, sources) if task is not None]
    # closing(): on --strict or Ctrl-C, stop the workers now, not when collected.
    with closing(
        parse_pages(tasks, options.site, options.jobs, options.budget)
    ) as results:
        for result in results:
            state.store(result)
            writer.checkpoint()
    if options.prune:  # only after the complete walk
        state.prune(roots_of(options.paths))


def _run_jsonl(options: IndexOptions, rep: Reporter) -> IndexReport:
    """Index fielded documents from a JSONL file (unchanged ones are skipped)."""
    assert options.jsonl is not None
    report = IndexReport()
    label = options.jsonl
    with open_writer(
        options.index_dir,
        limitmb=options.limitmb,
        writers=options.writers,
        policy=_policy(options),
    ) as writer:
        existing = writer.existing()
        first_line: dict[str, int] = {}
        rep.start(0)
        for item in jsonl.read_documents(options.jsonl):
            if isinstance(item, jsonl.BadLine):
                lineno, reason = item.lineno, item.reason
            elif item.doc[schema.ID_FIELD] in first_line:
                # Whoosh cannot replace a document its own uncommitted writer added.
                lineno = item.lineno
                reason = (
                    f"duplicate id {item.doc[schema.ID_FIELD]!r} "
                    f"(first on line {first_line[item.doc[schema.ID_FIELD]]})"
                )
            else:
                lineno, reason = item.lineno, ""
            if reason:
                skipped = Skipped(f"{label}:{lineno}", reason)
                if options.strict:
                    raise ParseError(skipped.source, skipped.reason)
                report.skipped.append(skipped)
                rep.skipped(skipped)
                rep.advance()
                continue
            assert isinstance(item, jsonl.GoodLine)
            doc = item.doc
            if not doc[schema.LANGUAGE] and options.site.language:
                doc = {**doc, schema.LANGUAGE: options.site.language}
            doc_id = doc[schema.ID_FIELD]
            first_line[doc_id] = item.lineno
            stored = existing.get(doc_id)
            if stored is not None and stored.content_hash == doc[schema.CONTENT_HASH]:
                report.unchanged += 1
            elif writer.write(schema.to_index_fields(doc)):
                report.updated += 1
            else:
                report.added += 1
            rep.advance()
            writer.checkpoint()
        report.commits = writer.commits
    return report


def _policy(options: IndexOptions) -> CommitPolicy:
    """The run's commit policy: none before the end under ``--strict``."""
    return AT_END if options.strict else options.commit
