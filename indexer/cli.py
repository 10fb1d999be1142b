"""The ``index`` and ``extract`` subcommands: argv -> options -> run; the only printer.

Exit status: 0 when every page was indexed (or extracted), 1 when a page was
skipped or the run failed (a locked index, ``--strict`` at a bad page), 2 on a
usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Generator, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from indexer.commits import DEFAULT_POLICY, CommitPolicy
from indexer.errors import IndexerError, ParseError, UsageError
from indexer.pool import DEFAULT_BUDGET, Budget, limit_memory
from indexer.siteconfig import EMPTY, SiteConfig, check_language, load_site_config
from indexer.sources import MAX_PAGE_BYTES
from search import schema
from search.errors import SearchError

if TYPE_CHECKING:
    from indexer.workers import PageResult, PageTask

logger = logging.getLogger(__name__)
#: Key order of the documents ``extract`` prints.
EXTRACT_KEYS: tuple[str, ...] = (
    schema.SOURCE,
    schema.ID_FIELD,
    schema.URL,
    schema.TITLE,
    schema.AUTHORS,
    schema.PUBLISHED,
    schema.UPDATED,
    schema.TAGS,
    schema.SECTION,
    schema.SUMMARY,
    schema.LANGUAGE,
    schema.BODY,
    schema.WORD_COUNT,
    schema.CONTENT_HASH,
)


class _ArgumentParser(argparse.ArgumentParser):
    """An argparse parser that raises ``UsageError`` instead of exiting."""

    def error(self, message: str) -> Any:  # argparse's signature returns NoReturn
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().rstrip()}")


class _HelpShown(Exception):
    """``--help`` was printed: the command ends with status 0."""


class _HelpAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show this help and exit")

    def __call__(
        self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any
    ) -> None:
        parser.print_help(sys.stdout)
        raise _HelpShown


def _crawl_parser() -> argparse.ArgumentParser:
    p = _ArgumentParser(
        prog="analysis-search crawl",
        add_help=False,
        description="Index a live site: start from robots.txt, sitemaps (a sitemap "
        "index, gzip) or pages (their links within the allowed hosts are followed). "
        "Polite by default; a re-crawl asks only for what changed.",
    )
    p.add_argument("urls", nargs="+", metavar="URL", help="robots.txt, sitemaps, pages")
    p.add_argument("--index", required=True, metavar="DIR", help="the index folder")
    p.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host to crawl besides the URLs' own (repeatable)",
    )
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="crawl only URLs matching one of these (repeatable)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="never crawl URLs matching these (repeatable)",
    )
    p.add_argument(
        "--max-pages",
        type=_positive_int,
        default=10_000,
        metavar="N",
        help="pages at most (default 10000)",
    )
    p.add_argument(
        "--max-depth",
        type=_non_negative_int,
        default=5,
        metavar="N",
        help="links followed from a start page (default 5)",
    )
    p.add_argument(
        "--max-bytes",
        type=_positive_int,
        default=MAX_PAGE_BYTES,
        metavar="N",
        help=f"page size at most (default {MAX_PAGE_BYTES})",
    )
    p.add_argument(
        "--delay",
        type=_non_negative_float,
        default=1.0,
        metavar="S",
        help="seconds between requests to a host at least (default 1; "
        "robots.txt's Crawl-delay may ask for more)",
    )
    p.add_argument(
        "--concurrency",
        type=_positive_int,
        default=2,
        metavar="N",
        help="requests to a host at once (default 2)",
    )
    p.add_argument(
        "--retries",
        type=_non_negative_int,
        default=3,
        metavar="N",
        help="retries after a 5xx, 429 or network error (default 3)",
    )
    p.add_argument(
        "--timeout",
        type=_non_negative_float,
        default=20.0,
        metavar="S",
        help="request timeout in seconds (default 20)",
    )
    p.add_argument(
        "--contact",
        metavar="URL",
        help="a contact URL for site owners, sent in the User-Agent",
    )
    p.add_argument(
        "--prune",
        action="store_true",
        help="delete pages a complete crawl no longer finds",
    )
    _run_options(p)
    _page_options(p, memory=False)  # pages are parsed in the crawler's process
    return p


def _parser(command: str) -> argparse.ArgumentParser:
    prog = f"analysis-search {command}"
    if command == "extract":
        p = _ArgumentParser(
            prog=prog,
            add_help=False,
            description="Print the fielded document of each page as JSON.",
        )
        p.add_argument(
            "files", nargs="+", metavar="FILE", help="page files; - reads stdin"
        )
        p.add_argument("--jsonl", action="store_true", help="one JSON object a line")
        p.add_argument(
            "--jobs", type=_positive_int, metavar="N", help="parser processes"
        )
    else:
        p = _ArgumentParser(
            prog=prog,
            add_help=False,
            description="Index article pages (or fielded JSONL documents) into DIR.",
        )
        p.add_argument(
            "paths", nargs="*", metavar="PATH", help="page files and folders"
        )
        p.add_argument("--index", required=True, metavar="DIR", help="the index folder")
        p.add_argument(
            "--jsonl", metavar="FILE", help="index fielded documents (- stdin)"
        )
        p.add_argument("--prune", action="store_true", help="delete docs of gone files")
        p.add_argument(
            "--strict",
            action="store_true",
            help="stop at the first bad page, commit nothing",
        )
        p.add_argument(
            "--jobs", type=_positive_int, metavar="N", help="parser processes"
        )
        p.add_argument(
            "--writers",
            type=_positive_int,
            metavar="N",
            help="index writer processes (default: one per core, at most 4)",
        )
        _run_options(p)
    _page_options(p, memory=True)
    return p


def _page_options(p: argparse.ArgumentParser, *, memory: bool) -> None:
    """The options of parsing pages, and of the command's own output."""
    _limit(p, "--page-timeout", _non_negative_float, DEFAULT_BUDGET.seconds, "S",
           "seconds a page may take to parse", "no limit")  # fmt: skip
    if memory:
        _limit(p, "--page-memory", _non_negative_int, DEFAULT_BUDGET.memory_mb,
               "MB", "memory (MB) a page may take to parse", "no limit")  # fmt: skip
    p.add_argument(
        "--site-config", type=Path, metavar="FILE", help="CSS selector overrides"
    )
    p.add_argument(
        "--language",
        metavar="CODE",
        help="language of pages that name none (default: the site config's, else en)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log tracebacks")
    p.add_argument("-h", "--help", action=_HelpAction)


def _run_options(p: argparse.ArgumentParser) -> None:
    """The options ``index`` and ``crawl`` share: commits and output."""
    _limit(p, "--commit-every", _non_negative_int, DEFAULT_POLICY.every, "N",
           "commit after N changed documents", "not by count")  # fmt: skip
    _limit(p, "--commit-interval", _non_negative_float, DEFAULT_POLICY.seconds,
           "S", "commit every S seconds", "not by time")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress, no summary")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _limit(
    p: argparse.ArgumentParser,
    flag: str,
    kind: Any,
    default: float,
    metavar: str,
    what: str,
    zero: str,
) -> None:
    """An option whose value 0 turns a limit off."""
    help_text = f"{what} (default {default:g}; 0: {zero})"
    p.add_argument(flag, type=kind, default=default, metavar=metavar, help=help_text)


def _number(kind: type[Any], minimum: float) -> Any:
    """An argparse ``type``: a finite ``kind`` (int or float) of at least
    ``minimum``."""
    noun = "an integer" if kind is int else "a number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {noun}: {text!r}") from None
        if not minimum <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"must be {noun} of at least {minimum}")
        return value

    return parse


_positive_int = _number(int, 1)
_non_negative_int = _number(int, 0)
_non_negative_float = _number(float, 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``index`` or ``extract``.

    Args:
        argv: The subcommand and its arguments, e.g. ``["extract", "a.html"]``
            (``sys.argv[1:]`` when None).

    Returns:
        The exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("index", "extract", "crawl"):
        sys.stderr.write("usage: analysis-search {index,extract,crawl} [options]\n")
        return 2
    command, rest = args[0], args[1:]
    try:
        if command == "crawl":
            opts = _crawl_parser().parse_args(rest)
            _setup_logging(opts.verbose)
            return _crawl(opts)
        opts = _parser(command).parse_args(rest)
        _setup_logging(opts.verbose)
        site = _site(opts)
        budget = Budget(seconds=opts.page_timeout, memory_mb=opts.page_memory)
        if command == "extract":
            return extract(
                opts.files, site=site, jsonl=opts.jsonl, jobs=opts.jobs, budget=budget
            )
        return _index(opts, site)
    except _HelpShown:
        return 0
    except IndexerError as exc:
        sys.stderr.write(f"{exc.message}\n")
        return exc.exit_code
    except SearchError as exc:  # the store layer's (a locked index, a failed
        # writer process), shared with the service
        sys.stderr.write(f"{exc.message}\n")
        return 1
    except OSError as exc:  # a full disk, a read-only folder, ...
        where = f" ({exc.filename})" if exc.filename else ""
        sys.stderr.write(
            f"analysis-search {command}: {exc.strerror or exc}{where}; the index "
            "keeps what was last committed\n"
        )
        return 1
    except KeyboardInterrupt:
        done = (
            "stopped"
            if command == "extract"
            else "the index keeps what was last committed"
        )
        sys.stderr.write(f"interrupted: {done}\n")
        return 130


def _setup_logging(verbose: bool) -> None:
    if verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")


# --- extract -------------------------------------------------------------------


def extract(
    files: Sequence[str],
    *,
    site: SiteConfig = EMPTY,
    jsonl: bool = False,
    jobs: int | None = None,
    out: TextIO | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> int:
    """Print the fielded document of each page, in order; report bad pages on stderr.

    Args:
        files: Page paths (``.html``, ``.htm``, ``.html.gz``); ``-`` reads one page
            from standard input (its source and id are ``-``).
        site: CSS-selector overrides.
        jsonl: One compact JSON object a line instead of indented JSON.
        jobs: Parser processes for many files (None: one per core; 1: in-process).
            With ``-`` among the files, pages are parsed in-process, and this
            process's memory is limited to ``budget.memory_mb`` more.
        out: Where to print (standard output when None).
        budget: What one page may cost to parse.

    Returns:
        0 when every page was extracted, 1 when any was skipped.
    """
    from indexer import workers  # lazy: bs4 only when needed

    stream = out if out is not None else _utf8_stdout()
    tasks = [
        workers.PageTask(name, name, "-" if name == "-" else os.path.basename(name), "")
        for name in files
    ]
    if "-" in files:
        stdin = sys.stdin.buffer.read()
        limit_memory(budget.memory_mb)  # this process is the page's
        results = _parse_with_stdin(tasks, site, stdin, budget)
    else:
        results = workers.parse_pages(tasks, site, jobs, budget)
    failed = 0
    with closing(results):
        for result in results:
            if result.document is None:
                failed += 1
                if result.detail:
                    logger.debug(
                        "%s: %s\n%s", result.task.label, result.reason, result.detail
                    )
                sys.stderr.write(f"{result.task.label}: {result.reason}\n")
                continue
            ordered = {key: result.document.get(key) for key in EXTRACT_KEYS}
            indent = None if jsonl else 2
            stream.write(json.dumps(ordered, ensure_ascii=False, indent=indent) + "\n")
            stream.flush()
    return 1 if failed else 0


def _parse_with_stdin(
    tasks: Sequence[PageTask], site: SiteConfig, stdin: bytes, budget: Budget
) -> Generator[PageResult, None, None]:
    from indexer import workers

    for task in tasks:
        data = stdin if task.path == "-" else None
        yield workers.parse_page_within(task, site, budget, data)


def _utf8_stdout() -> TextIO:
    stream = sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if encoding != "utf8" and hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8")
    return stream


# --- index ---------------------------------------------------------------------


class _CliReporter:
    """Progress bar (on a terminal only) and one stderr line per skipped page."""

    def __init__(self, *, show_progress: bool) -> None:
        self._show = show_progress
        self._bar: Any = None

    def start(self, total: int) -> None:
        if self._show:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total or None, unit="page", file=sys.stderr, dynamic_ncols=True
            )

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def skipped(self, item: Any) -> None:
        line = f"{item.source}: {item.reason}"
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            sys.stderr.write(line + "\n")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _crawl(opts: argparse.Namespace) -> int:
    from indexer import crawl

    for url in opts.urls:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"analysis-search crawl: not an http(s) URL: {url!r}")
    site = _site(opts)
    options = crawl.CrawlOptions(
        index_dir=Path(opts.index),
        starts=tuple(opts.urls),
        hosts=tuple(opts.host),
        include=tuple(opts.include),
        exclude=tuple(opts.exclude),
        max_pages=opts.max_pages,
        max_depth=opts.max_depth,
        max_bytes=opts.max_bytes,
        delay=opts.delay,
        concurrency=opts.concurrency,
        retries=opts.retries,
        timeout=opts.timeout,
        contact=opts.contact,
        prune=opts.prune,
        site=site,
        budget=Budget(seconds=opts.page_timeout),
        commit=CommitPolicy(every=opts.commit_every, seconds=opts.commit_interval),
    )
    reporter = _CliReporter(show_progress=not opts.quiet and sys.stderr.isatty())
    try:
        report = crawl.run(options, reporter)
    finally:
        reporter.close()
    _print_report(opts, report)
    return 1 if report.failures else 0


def _print_report(opts: argparse.Namespace, report: Any) -> None:
    """The report as JSON on stdout (``--json``), and its summary line on stderr."""
    if opts.json:
        _utf8_stdout().write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    if not opts.quiet:
        sys.stderr.write(f"{opts.index}: {report.summary()}\n")


def _site(opts: argparse.Namespace) -> SiteConfig:
    """The site config of ``--site-config``, with the default language of
    ``--language``.

    Raises:
        SiteConfigError: The file or the language is invalid.
    """
    site = load_site_config(opts.site_config) if opts.site_config else EMPTY
    if opts.language is not None:
        language = check_language(opts.language, "--language")
        site = dataclasses.replace(site, language=language)
    return site


def _index(opts: argparse.Namespace, site: SiteConfig) -> int:
    from indexer import pipeline

    if opts.jsonl is not None and opts.paths:
        raise UsageError(
            "analysis-search index: give PATH arguments or --jsonl, not both"
        )
    if opts.jsonl is None and not opts.paths:
        raise UsageError(
            "analysis-search index: give at least one PATH (or --jsonl FILE)"
        )
    if opts.prune and opts.jsonl is not None:
        raise UsageError("analysis-search index: --prune works on PATH arguments only")
    options = pipeline.IndexOptions(
        index_dir=Path(opts.index),
        paths=tuple(opts.paths),
        jsonl=opts.jsonl,
        prune=opts.prune,
        strict=opts.strict,
        site=site,
        jobs=opts.jobs,
        budget=Budget(seconds=opts.page_timeout, memory_mb=opts.page_memory),
        commit=CommitPolicy(every=opts.commit_every, seconds=opts.commit_interval),
        writers=opts.writers,
    )
    reporter = _CliReporter(show_progress=not opts.quiet and sys.stderr.isatty())
    try:
        report = pipeline.run(options, reporter)
    except ParseError as exc:
        reporter.close()
        sys.stderr.write(f"{exc.path}: {exc.reason}\n")
        sys.stderr.write(
            "stopped at the first bad page (--strict): nothing was committed\n"
        )
        return 1
    finally:
        reporter.close()
    _print_report(opts, report)
    return 1 if report.skipped else 0
