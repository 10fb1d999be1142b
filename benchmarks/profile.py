"""Where a running server's CPU goes: py-spy over the benchmark's searches.

The real ``analysis-search serve --workers 1`` (one process, result cache off)
serves an index; Debian's ``wrk`` warms it up, then sends distinct searches with
facets over 8 connections while py-spy (PyPI; a sampling profiler that reads the
process from outside, so the server runs unmodified) records its stacks. Only
the thread holding the GIL is sampled (``--gil``: a thread waiting to take the
GIL back after a zlib call or a socket send is not using the CPU). The report
lists the functions with the largest share of the samples, by their own time
(``self``) and with what they call (``total``); idle samples (a thread waiting
for a request) are counted apart, so the shares are of the busy samples.

Usage::

    python -m benchmarks.profile --index DIR --jsonl CORPUS.jsonl [--seconds 20]
                                 [--raw FILE] [--top 25]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks.queries import build_mix, load_docs
from benchmarks.workers import (
    WARMUP_SECONDS,
    faceted_paths,
    run_wrk,
    start_service,
    stop_service,
    wrk_script,
)

#: (function, file) of the innermost frame of a thread waiting for work.
IDLE = {
    ("wait", "threading.py"),
    ("select", "selectors.py"),
    ("poll", "selectors.py"),
    ("poll", "wasyncore.py"),
}


def record(
    index: Path, jsonl: Path, seconds: float, raw: Path, seed: int = 20240601
) -> Path:
    """Serve ``index``, load it with distinct searches and record py-spy stacks
    into ``raw`` (py-spy's collapsed "raw" format)."""
    docs = load_docs(jsonl, seed=seed)
    warm = build_mix(docs, 3, seed=seed + 1)
    mix = build_mix(docs, 200, seed=seed + 5, exclude=warm)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "warm.lua").write_text(wrk_script(faceted_paths(warm)))
        (work / "paths.lua").write_text(wrk_script(faceted_paths(mix)))
        proc, port = start_service(index, 1, work / "server.log")
        url = f"http://127.0.0.1:{port}"
        try:
            run_wrk(url, work / "warm.lua", WARMUP_SECONDS)
            spy = subprocess.Popen(
                [
                    py_spy(),
                    "record",
                    "--pid",
                    str(proc.pid),
                    "--rate",
                    "200",
                    "--duration",
                    str(int(seconds)),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--nonblocking",
                    # only the thread holding the GIL: the others wait for it
                    # (in zlib, socket sends...) and would count as busy
                    "--gil",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)  # py-spy attached
            run_wrk(url, work / "paths.lua", seconds)
            spy.wait(timeout=seconds + 60)
        finally:
            stop_service(proc)
    return raw


def py_spy() -> str:
    """The py-spy beside this Python (the bench extra installs it), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else "py-spy"


def shares(raw: Path) -> tuple[Counter[str], Counter[str], int, int]:
    """(self counts, total counts, busy samples, idle samples) of a raw file."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    busy = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if _idle(frames[-1]):
            idle += n
            continue
        busy += n
        own[_name(frames[-1])] += n
        for name in {_name(f) for f in frames}:
            total[name] += n
    return own, total, busy, idle


def _idle(frame: str) -> bool:
    name, _, where = frame.partition(" (")
    name = name.rsplit(".", 1)[-1]  # Condition.wait -> wait
    return (name, where.rsplit("/", 1)[-1].split(":")[0]) in IDLE


def _name(frame: str) -> str:
    """``function (path/to/module.py)`` without the line number, path shortened."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/search/", "/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            if marker == "/search/":
                where = "search/" + where
            break
    return f"{name} ({where})"


def report(raw: Path, top: int = 25) -> str:
    """Markdown tables of the top functions by own and by total share."""
    own, total, busy, idle = shares(raw)
    lines = [
        f"{busy} busy samples ({idle} idle samples left out), 200 a second.",
        "",
        "| self % | function |",
        "| ---: | --- |",
    ]
    for name, n in own.most_common(top):
        lines.append(f"| {100 * n / busy:.1f} | `{name}` |")
    lines += ["", "| total % | function (this project's) |", "| ---: | --- |"]
    ours = [(n, name) for name, n in total.items() if "(search/" in name]
    for n, name in sorted(ours, reverse=True)[:top]:
        lines.append(f"| {100 * n / busy:.1f} | `{name}` |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Record a profile of a running server and print its tables."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.profile", description=__doc__
    )
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--jsonl", type=Path, required=True, help="the corpus's docs.jsonl")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--raw", type=Path, help="keep py-spy's raw stacks here")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    for tool in (py_spy(), "wrk"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (make bench installs it)", file=sys.stderr)
            return 1
    raw = args.raw or Path(tempfile.mkstemp(suffix=".txt")[1])
    record(args.index, args.jsonl, args.seconds, raw)
    print(report(raw, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
