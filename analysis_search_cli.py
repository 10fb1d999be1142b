"""The ``analysis-search`` command: sends each subcommand to the package that owns it.

``index`` and ``extract`` belong to the indexer; ``serve``, ``query`` and ``snapshot``
to the search service. The two packages never import each other's heavy
dependencies, so this dispatcher imports each side only when its subcommand is run.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

#: subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "index": ("indexer.cli", "index article pages (or --jsonl documents) into DIR"),
    "crawl": ("indexer.cli", "index a live site from its sitemaps or start pages"),
    "extract": ("indexer.cli", "print the fielded document of each page as JSON"),
    "serve": ("search.cli", "serve the search API and page with waitress"),
    "query": ("search.cli", "run a search from the terminal"),
    "snapshot": ("search.cli", "copy the last committed index generation to DEST"),
    "migrate": (
        "search.cli",
        "rebuild an index in the current schema (--index OLD NEW)",
    ),
    "merge": ("search.cli", "merge the index's small segments (cron, under nice)"),
}

USAGE = "usage: analysis-search {" + ",".join(COMMANDS) + "} [options]\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand.

    Args:
        argv: Arguments without the program name (``sys.argv[1:]`` when None).

    Returns:
        The process exit status (2 on usage errors).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        out = sys.stdout if args else sys.stderr
        out.write(USAGE + "\ncommands:\n")
        for name, (_, text) in COMMANDS.items():
            out.write(f"  {name:<8} {text}\n")
        out.write("\nRun 'analysis-search COMMAND --help' for a command's options.\n")
        return 0 if args else 2
    command = args[0]
    if command not in COMMANDS:
        sys.stderr.write(USAGE + f"analysis-search: unknown command {command!r}\n")
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    run: Callable[[Sequence[str]], int] = module.main
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
