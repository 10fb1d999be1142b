"""``make bench-crawl``: crawl the loopback test site, first and again.

Serves ``benchmarks.crawl_site`` (the 34 example articles, a sitemap index with a
gzip sitemap, ``robots.txt`` asking for a 0.05 s crawl delay, a redirect, a 404, a
500 and a 429 that recover, a tag page) on 127.0.0.1 and crawls it from its
``robots.txt`` twice into a new index: with the default politeness (1 s between
requests to a host, 2 at once) and relaxed (``--delay 0``: only the site's own
``Crawl-delay``). Prints pages per second, and the re-crawl's requests and bytes
against the first crawl's; writes ``benchmarks/out/crawl.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.crawl_site import serve, standard_site
from indexer.crawl import CrawlOptions, run

OUT = Path(__file__).resolve().parent / "out" / "crawl.json"
KEYS = ("fetched", "not_modified", "added", "requests", "bytes", "seconds")


def crawl_twice(delay: float) -> dict[str, dict[str, float]]:
    """A first crawl and a re-crawl of a fresh copy of the site."""
    site = standard_site()
    with serve(site), tempfile.TemporaryDirectory() as tmp:
        options = CrawlOptions(
            index_dir=Path(tmp), starts=(f"{site.base}/robots.txt",), delay=delay
        )
        first, again = run(options).to_dict(), run(options).to_dict()
    return {
        "first": {k: first[k] for k in (*KEYS, "pages_per_second")},
        "again": {k: again[k] for k in (*KEYS, "pages_per_second")},
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.crawl", description=__doc__)
    p.add_argument("--skip-default", action="store_true", help="only the relaxed run")
    args = p.parse_args(argv)
    runs = {} if args.skip_default else {"default (1 s, 2 at once)": 1.0}
    runs["relaxed (--delay 0)"] = 0.0
    result = {name: crawl_twice(delay) for name, delay in runs.items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print("| politeness | crawl | pages/s | requests | bytes | seconds |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, pair in result.items():
        for which, r in pair.items():
            print(
                f"| {name} | {which} | {r['pages_per_second']} | {r['requests']} "
                f"| {int(r['bytes']):,} | {r['seconds']} |"
            )
        ratio = pair["again"]["bytes"] / max(1, pair["first"]["bytes"])
        print(f"re-crawl bytes / first crawl bytes ({name}): {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
