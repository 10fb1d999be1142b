"""``analysis-search serve``, ``query`` and ``snapshot``: argv -> config -> run.

``main(argv)`` parses its argument list (never ``sys.argv``) and returns an exit code:
0 success, 1 runtime failure (index unavailable), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import json
import os
import re
import socket
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any, TextIO

from search import models, schema
from search.config import Config
from search.errors import SearchError, UsageError

COMMANDS = ("serve", "query", "snapshot", "merge", "migrate")

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so ``main`` returns codes."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: error: {message}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _serve_parser() -> _Parser:
    p = _Parser(
        prog="analysis-search serve",
        description="Serve the search API and page with waitress. Other settings "
        "come from ANALYSIS_SEARCH_* environment variables (see the README).",
    )
    p.add_argument("--index", help="index directory (ANALYSIS_SEARCH_INDEX)")
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="TCP port (default 8080)")
    p.add_argument(
        "--threads", type=int, help="waitress threads per worker process (default 8)"
    )
    p.add_argument(
        "--workers",
        type=int,
        help="worker processes sharing the listening socket (default: one per "
        "core; 1: a single process)",
    )
    p.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="serve a snapshot: writes answer 405; a snapshot switched in under "
        "--index (a symlink) is picked up without a restart",
    )
    p.add_argument(
        "--settings",
        metavar="FILE",
        help="the editors' settings file (ANALYSIS_SEARCH_SETTINGS; default: "
        "settings.json in the index folder)",
    )
    return p


def _snapshot_parser() -> _Parser:
    p = _Parser(
        prog="analysis-search snapshot",
        description="Write a consistent copy of the index's last committed "
        "generation to DEST (hard links where possible), safe while the index is "
        "being written; ready for rsync to replicas.",
    )
    p.add_argument("dest", help="the snapshot folder to create (must not exist)")
    p.add_argument("--index", help="index directory (ANALYSIS_SEARCH_INDEX)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def _merge_parser() -> _Parser:
    p = _Parser(
        prog="analysis-search merge",
        description="Merge the index's small segments in this process (Whoosh's "
        "MERGE_SMALL, as an indexer run does at each commit). Writes through the "
        "API merge only tiny segments, so an index fed only by the API needs this "
        "now and then: run it from cron under nice.",
    )
    p.add_argument("--index", help="index directory (ANALYSIS_SEARCH_INDEX)")
    p.add_argument(
        "--all",
        action="store_true",
        help="merge every segment into one (slow: about 35 ms per document)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to wait for the write lock (default 60)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def _migrate_parser() -> _Parser:
    p = _Parser(
        prog="analysis-search migrate",
        description="Rebuild the index in --index OLD as a new index in NEW, in "
        "the current schema, from its stored fields (documents written through the "
        "API included). OLD is only read; switch to NEW when it is done.",
    )
    p.add_argument("new", metavar="NEW", help="a new or empty folder")
    p.add_argument(
        "--index", metavar="OLD", help="the old index (ANALYSIS_SEARCH_INDEX)"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def _query_parser() -> _Parser:
    p = _Parser(
        prog="analysis-search query",
        description="Search the index from the terminal: top hits with snippets "
        "and facet counts.",
    )
    p.add_argument("words", nargs="+", help="the query, as a reader types it")
    p.add_argument("--index", help="index directory (ANALYSIS_SEARCH_INDEX)")
    p.add_argument("--json", action="store_true", help="print the /search JSON body")
    p.add_argument(
        "--raw", action="store_true", help="Whoosh query language (mode=raw)"
    )
    p.add_argument("--tag", action="append", default=[], help="filter (repeatable)")
    p.add_argument("--author", action="append", default=[], help="filter (repeatable)")
    p.add_argument("--section", action="append", default=[], help="filter (repeatable)")
    p.add_argument("--year", action="append", default=[], help="filter (repeatable)")
    p.add_argument(
        "--language", action="append", default=[], help="filter (repeatable)"
    )
    p.add_argument("--from", dest="date_from", type=_date, help="published on/after")
    p.add_argument("--to", dest="date_to", type=_date, help="published on/before")
    p.add_argument("--sort", choices=models.SORTS, default="relevance")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=10)
    p.add_argument("--boost", choices=models.BOOSTS)
    p.add_argument(
        "--facets",
        default=",".join(models.DEFAULT_FACETS),
        help="comma list of facets to count ('' for none)",
    )
    p.add_argument("--facet-size", type=int, default=models.DEFAULT_FACET_SIZE)
    return p


def main(argv: Sequence[str], *, stdout: TextIO | None = None) -> int:
    """Run ``serve`` or ``query``.

    Args:
        argv: The subcommand name followed by its arguments.
        stdout: Where ``query`` prints (``sys.stdout`` when None).

    Returns:
        The exit status.
    """
    out = stdout or sys.stdout
    if not argv or argv[0] not in COMMANDS:
        sys.stderr.write(
            "usage: analysis-search {serve,query,snapshot,merge,migrate} [options]\n"
        )
        return 2
    try:
        if argv[0] == "serve":
            return serve(_serve_parser().parse_args(list(argv[1:])))
        if argv[0] == "snapshot":
            return snapshot(_snapshot_parser().parse_args(list(argv[1:])), out)
        if argv[0] == "merge":
            return merge(_merge_parser().parse_args(list(argv[1:])), out)
        if argv[0] == "migrate":
            return migrate(_migrate_parser().parse_args(list(argv[1:])), out)
        return query(_query_parser().parse_args(list(argv[1:])), out)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return exc.exit_code
    except SearchError as exc:
        sys.stderr.write(f"analysis-search {argv[0]}: error: {exc.message}\n")
        return exc.exit_code


def serve(args: argparse.Namespace) -> int:
    """Validate the config and the index, bind, then serve until stopped."""
    from search.web.app import configure_logging

    config = Config.from_env(
        os.environ,
        index=args.index,
        host=args.host,
        port=args.port,
        threads=args.threads,
        workers=args.workers,
        read_only=args.read_only,
        settings=args.settings,
    ).validate()
    configure_logging(config)
    if config.worker_count() == 1:
        return _serve_one(config)
    return _serve_workers(config)


def _bind(config: Config) -> socket.socket | None:
    from search.web.server import listening_socket

    try:
        return listening_socket(config.host, config.port)
    except OSError as exc:  # the port is taken, or the host is not ours
        sys.stderr.write(
            f"analysis-search serve: error: cannot listen on "
            f"{config.host}:{config.port}: {exc.strerror or exc}\n"
        )
        return None


def _serve_one(config: Config) -> int:
    """One process: the app, waitress and a graceful stop, no supervisor."""
    from search.web.app import create_app
    from search.web.server import serve_socket

    app = create_app(config)
    sock = _bind(config)
    if sock is None:
        return 1
    try:
        serve_socket(app, sock, config)
    finally:
        sock.close()
    return 0


def _serve_workers(config: Config) -> int:
    """A supervisor and its worker processes on one listening socket."""
    from search.store.index import open_index
    from search.supervisor import Supervisor
    from search.web.metrics import SharedCounters

    open_index(config.index).close()  # fail here, once, rather than in every worker
    sock = _bind(config)
    if sock is None:
        return 1
    try:
        shared: SharedCounters | None = SharedCounters.create(config.worker_count())
    except (OSError, AttributeError) as exc:  # no memfd: counts stay per worker
        sys.stderr.write(f"analysis-search serve: counts per worker only: {exc}\n")
        shared = None
    try:
        return Supervisor(config, sock, shared.fd if shared else None).run()
    finally:
        sock.close()


def _report(out: TextIO, as_json: bool, data: dict[str, Any], line: str) -> None:
    """A store command's report: ``data`` as one JSON line, or ``line``."""
    if as_json:
        json.dump(data, out)
        out.write("\n")
    else:
        out.write(line + "\n")


def snapshot(args: argparse.Namespace, out: TextIO) -> int:
    """Write a snapshot of the index and report it."""
    from search.store.snapshot import snapshot as write_snapshot

    config = Config.from_env(os.environ, index=args.index)
    report = write_snapshot(config.index, args.dest)
    data = {
        "dest": str(report.dest),
        "generation": report.generation,
        "documents": report.documents,
        "files": report.files,
        "bytes": report.bytes,
        "linked": report.linked,
    }
    how = "hard links" if report.linked else "copies"
    _report(
        out,
        args.json,
        data,
        f"{report.dest}: generation {report.generation}, {report.documents} "
        f"documents, {report.files} files ({report.bytes:,} bytes, {how})",
    )
    return 0


def merge(args: argparse.Namespace, out: TextIO) -> int:
    """Merge the index's segments and report how many are left."""
    from search.store.merging import merge_index

    config = Config.from_env(os.environ, index=args.index)
    report = merge_index(config.index, everything=args.all, timeout=args.timeout)
    _report(
        out,
        args.json,
        dataclasses.asdict(report),
        f"{config.index}: {report.segments_before} segments -> "
        f"{report.segments_after}, {report.documents} documents",
    )
    return 0


def migrate(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild the index in the current schema and report it."""
    from search.store.migrate import migrate as rebuild

    config = Config.from_env(os.environ, index=args.index)
    report = rebuild(config.index, args.new)
    if not args.json:
        for doc_id, reason in report.skipped:
            sys.stderr.write(f"{doc_id}: {reason}\n")
    _report(
        out,
        args.json,
        {
            "source_version": report.source_version,
            "schema_version": schema.SCHEMA_VERSION,
            "documents": report.documents,
            "skipped": [{"id": i, "reason": r} for i, r in report.skipped],
            "seconds": round(report.seconds, 3),
        },
        f"{config.index} -> {args.new}: {report.documents} documents "
        f"(schema version {report.source_version} -> {schema.SCHEMA_VERSION}), "
        f"{len(report.skipped)} skipped, in {report.seconds:.1f} s",
    )
    return 1 if report.skipped else 0


def query(args: argparse.Namespace, out: TextIO) -> int:
    """Run one search and print it (as text, or as the API's JSON with ``--json``)."""
    from search.engine import SearchEngine

    config = Config.from_env(os.environ, index=args.index).validate()
    request = models.SearchRequest(
        q=" ".join(args.words),
        mode="raw" if args.raw else "plain",
        tags=tuple(args.tag),
        authors=tuple(args.author),
        sections=tuple(args.section),
        years=tuple(args.year),
        languages=tuple(args.language),
        date_from=args.date_from,
        date_to=args.date_to,
        sort=args.sort,
        page=args.page,
        per_page=args.per_page,
        facets=tuple(f.strip() for f in args.facets.split(",") if f.strip()),
        facet_size=args.facet_size,
        boost=args.boost,
    )
    engine = SearchEngine(config.index, cache_size=0, time_limit=config.time_limit)
    try:
        result = engine.search(request)
    finally:
        engine.close()
    if args.json:
        json.dump(result.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        bold = out.isatty() and not os.environ.get("NO_COLOR")
        out.write(format_result(result, bold=bold))
    return 0


def plain_text(marked: str, *, bold: bool) -> str:
    """Escaped HTML with ``<mark>`` -> terminal text (bold, or ``[brackets]``)."""
    left, right = ("\033[1m", "\033[0m") if bold else ("[", "]")
    return html.unescape(_MARK.sub(lambda m: f"{left}{m.group(1)}{right}", marked))


def format_result(result: models.SearchResult, *, bold: bool = False) -> str:
    """The terminal rendering of a result: header, hits with snippets, facets."""
    lines: list[str] = []
    r = result.request
    head = f"{result.total} result{'s' if result.total != 1 else ''} for {r.q!r}"
    head += f" ({result.took_ms:.1f} ms)"
    if result.partial:
        head += " [partial: time limit reached]"
    lines.append(head)
    if result.dropped_terms:
        lines.append(
            f"  no document has every word; dropped: {', '.join(result.dropped_terms)}"
        )
    if result.did_you_mean:
        lines.append(f"  did you mean: {result.did_you_mean}")
    first = (r.page - 1) * r.per_page
    for n, hit in enumerate(result.hits, start=first + 1):
        lines.append("")
        lines.append(f"{n}. {plain_text(hit.title_html, bold=bold)}  ({hit.score:.2f})")
        meta = [
            m
            for m in (
                hit.published and hit.published[:10],
                ", ".join(hit.authors),
                hit.section,
            )
            if m
        ]
        lines.append(f"   {hit.url or hit.id}")
        if meta:
            lines.append("   " + " · ".join(meta))
        if hit.tags:
            lines.append("   tags: " + ", ".join(hit.tags))
        for snippet in hit.snippets:
            # One line each: the snippet's own paragraph breaks become spaces, and
            # it already carries its "…" where it was cut.
            lines.append("   " + " ".join(plain_text(snippet, bold=bold).split()))
    for name, facet in result.facets.items():
        if not facet.values:
            continue
        values = ", ".join(
            f"{'*' if v.selected else ''}{v.value} ({v.count})" for v in facet.values
        )
        more = ", …" if facet.truncated else ""
        lines.append("")
        lines.append(f"{name}: {values}{more}")
    return "\n".join(lines) + "\n"
