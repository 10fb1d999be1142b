"""Throughput with 1 and with 2 worker processes, in one run, measured by ``wrk``.

For each worker count the real ``analysis-search serve --workers N`` serves the
index, and Debian's ``wrk`` (a C load generator: it costs the server little CPU;
its own CPU time is measured and reported) sends searches with facets over 8
keep-alive connections: first a warm-up set, then for a fixed time a second set
of distinct queries that no run has seen ("uncached": the result cache cannot
answer them, and neither configuration has a warmer per-term cache than the
other). Reported per worker count: requests/s, latency
percentiles, server CPU per request (supervisor and workers summed), the load
generator's CPU share, and the memory of the whole service as the summed PSS of
its processes (``/proc/PID/smaps_rollup``: the memory-mapped index is counted
once, shared between the workers). The scaling ratio is requests/s with 2
workers over requests/s with 1, in the same run.

Usage::

    python -m benchmarks.workers --index DIR [--paths FILE] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.load import cpu_seconds, descendants, free_port, pss_kb

HOST = "127.0.0.1"
CONNECTIONS = 8
WRK_THREADS = 1  # one thread drives 8 connections; the paths never repeat
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "10"))
SETTLE_SECONDS = 2.0


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants (those alive now)."""
    return sum(cpu_seconds(p) for p in descendants(pid))


def wrk_script(paths: Sequence[str]) -> str:
    """A wrk script cycling through ``paths`` (each wrk thread from its own offset)."""
    quoted = ",\n".join(json.dumps(p) for p in paths)
    return (
        "local paths = {\n" + quoted + "\n}\n"
        "local n = 0\n"
        "local counter = 0\n"
        "function setup(thread)\n"
        "  thread:set('offset', counter * 7919)\n"
        "  counter = counter + 1\n"
        "end\n"
        "function init(args)\n"
        "  n = offset or 0\n"
        "end\n"
        "function request()\n"
        "  n = n + 1\n"
        "  return wrk.format('GET', paths[(n % #paths) + 1])\n"
        "end\n"
    )


def _parse_wrk(text: str) -> dict[str, Any]:
    def number(pattern: str) -> float | None:
        m = re.search(pattern, text)
        return float(m.group(1)) if m else None

    def ms(value: str, unit: str) -> float:
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
        return round(float(value) * scale, 2)

    latency = {
        f"p{p}": ms(v, u)
        for p, v, u in re.findall(
            r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M
        )
    }
    requests = re.search(r"(\d+) requests in", text)
    non2xx = number(r"Non-2xx or 3xx responses: (\d+)")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return {
        "requests": int(requests.group(1)) if requests else 0,
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "latency_ms": latency,
        "non_2xx": int(non2xx or 0),
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def run_wrk(
    url: str, script: Path, seconds: float, timeout: float = 2.0
) -> tuple[dict[str, Any], float]:
    """Run wrk; returns its parsed report and the CPU seconds it used.

    ``timeout``: seconds after which wrk gives up on a response (counted as a socket
    timeout); wrk's own default is 2.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{int(seconds)}s",
            f"--timeout={timeout:g}s",
            "--latency",
        ]
        + ["-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = _parse_wrk(out.stdout)
    report["wrk_output"] = out.stdout
    return report, cpu


def start_service(
    index: Path,
    workers: int,
    log: Path,
    threads: int = 8,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """``analysis-search serve`` on a free loopback port, with no result cache and
    no access log, plus the ``ANALYSIS_SEARCH_*`` settings of ``env``."""
    script = Path(sys.executable).parent / "analysis-search"
    port = free_port(HOST)
    settings = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_SEARCH_")}
    env["ANALYSIS_SEARCH_CACHE_SIZE"] = "0"  # no result cache, even on a repeat
    env["ANALYSIS_SEARCH_LOG_LEVEL"] = "WARNING"  # no access log in the figures
    env.update(settings)
    cmd = [str(script), "serve", "--index", str(index), "--port", str(port)]
    cmd += ["--workers", str(workers), "--threads", str(threads)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2):
                stats = f"http://{HOST}:{port}/stats"
                with urllib.request.urlopen(stats, timeout=5) as r:
                    if json.load(r)["workers"] == workers:
                        return proc, port
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the server never became healthy; see {log}")


def stop_service(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def bench_workers(
    index: Path,
    warm_paths: Sequence[str],
    paths: Sequence[str],
    work: Path,
    seconds: float = 20.0,
    threads: int = 8,
    counts: Sequence[int] = (1, 2),
) -> dict[str, Any]:
    """Throughput, CPU and memory with 1 and 2 workers; the scaling ratio."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    script = work / "paths.lua"
    script.write_text(wrk_script(paths))
    warm_script = work / "warm.lua"
    warm_script.write_text(wrk_script(warm_paths))
    out: dict[str, Any] = {
        "connections": CONNECTIONS,
        "seconds": seconds,
        "threads_per_worker": threads,
    }
    for workers in counts:
        print(
            f"  {workers} worker(s): wrk -c{CONNECTIONS} {seconds:.0f}s ...", flush=True
        )
        proc, port = start_service(
            index, workers, work / f"workers-{workers}.log", threads
        )
        url = f"http://{HOST}:{port}"
        try:
            run_wrk(url, warm_script, WARMUP_SECONDS)  # generations built, vocab read
            # the warm-up's connections close first: the measured ones are then
            # shared out between idle workers (each keeps its own)
            time.sleep(SETTLE_SECONDS)
            cpu0 = tree_cpu(proc.pid)
            load = os.getloadavg()[0]
            report, wrk_cpu = run_wrk(url, script, seconds)
            used = tree_cpu(proc.pid) - cpu0
            pids = descendants(proc.pid)
            done = max(1, report["requests"])
            report.update(
                {
                    "distinct_paths": len(paths),
                    "paths_repeated": report["requests"] > len(paths),
                    "processes": len(pids),
                    "server_cpu_seconds": round(used, 2),
                    "server_cpu_ms_per_request": round(1000 * used / done, 2),
                    "wrk_cpu_seconds": round(wrk_cpu, 2),
                    "wrk_cpu_share": round(wrk_cpu / max(0.01, wrk_cpu + used), 3),
                    "pss_mb": round(sum(pss_kb(p) for p in pids) / 1024, 1),
                    "load_average_before": round(load, 2),
                }
            )
            out[f"workers_{workers}"] = report
        finally:
            stop_service(proc)
    if "workers_1" in out and "workers_2" in out:
        one = out["workers_1"]["requests_per_second"] or 0.0
        two = out["workers_2"]["requests_per_second"] or 0.0
        out["scaling_2_over_1"] = round(two / one, 2) if one else None
    return out


def faceted_paths(mix: Any) -> list[str]:
    """The request paths of a ``QueryMix``'s searches with facets."""
    from benchmarks.queries import SEARCH_KINDS

    return [
        q.path for q in mix.all() if q.kind in SEARCH_KINDS and q.kind != "no_facets"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the workers benchmark over an existing index."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.workers", description=__doc__
    )
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--paths", type=Path, help="request paths, one a line")
    p.add_argument("--jsonl", type=Path, help="corpus JSONL to build the query mix")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--threads", type=int, default=8, help="waitress threads a worker")
    p.add_argument("--counts", default="1,2", help="worker counts to measure")
    args = p.parse_args(argv)
    if args.paths:
        paths = [ln for ln in args.paths.read_text().splitlines() if ln.strip()]
        warm = paths[: len(paths) // 10]
        paths = paths[len(paths) // 10 :]
    else:
        from benchmarks.queries import build_mix, load_docs

        if not args.jsonl:
            p.error("give --paths or --jsonl")
        docs = load_docs(args.jsonl, seed=1)
        warm_mix = build_mix(docs, 40, seed=7)
        mix = build_mix(docs, 500, seed=8, exclude=warm_mix)
        warm, paths = faceted_paths(warm_mix), faceted_paths(mix)
    with tempfile.TemporaryDirectory() as tmp:
        counts = [int(c) for c in args.counts.split(",")]
        result = bench_workers(
            args.index, warm, paths, Path(tmp), args.seconds, args.threads, counts
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
