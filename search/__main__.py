"""``python -m search [serve|query] ...``: the service command line (default serve)."""

from __future__ import annotations

import sys

from search.cli import COMMANDS, main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] not in COMMANDS:
        args = ["serve", *args]
    sys.exit(main(args))
