"""``python -m benchmarks.run``: indexing and query benchmarks beside FTS5 and Tantivy.

For each size (default 1,000 and 10,000 pages) it

1. generates the corpus (``benchmarks.corpus``; cached under ``benchmarks/out``),
2. indexes the pages with the real ``analysis-search index`` command in a
   subprocess (parallel parsing included), measuring pages/s and the peak memory
   of the whole process tree, then re-runs it with nothing changed, and indexes the
   same corpus as fielded documents (``index --jsonl``),
3. builds the peers' indexes from the same fielded documents: SQLite FTS5 (the
   baseline) and Tantivy (``benchmarks.tantivy_peer``, when the bench-only
   ``tantivy`` package is installed),
4. serves the index with ``analysis-search serve`` (waitress) on a free loopback
   port and sends the reader query mix over keep-alive HTTP connections at
   concurrency 1 and 8 (distinct queries, so the result cache does not answer),
   then replays the last 200 requests three times at concurrency 8 (popular
   queries, answered from the cache); the
   server's peak memory is its ``VmHWM``,
5. measures uncached throughput at concurrency 8 with 1 and with 2 worker
   processes (``benchmarks.workers``: Debian's ``wrk`` as the load generator),
6. runs the same text queries through each peer, in-process, at concurrency 1 and 8,

then prints a table and writes every figure to a JSON file.

Usage::

    python -m benchmarks.run [--sizes 1000,10000] [--quick] [--out FILE]
                             [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import corpus, fts5, report, tantivy_peer
from benchmarks.load import (
    PhaseResult,
    TreeMemorySampler,
    cpu_seconds,
    dir_bytes,
    free_port,
    proc_status_kb,
    run_http,
    run_local,
    wait_with_rusage,
)
from benchmarks.queries import (
    SEARCH_KINDS,
    Query,
    QueryMix,
    build_mix,
    load_docs,
)
from benchmarks.workers import bench_workers, faceted_paths

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
HOST = "127.0.0.1"
#: Requests replayed (and how many times) in the cached phase; fewer than the
#: service's default result-cache size (512), so an LRU cache keeps them all.
POPULAR = 200
POPULAR_REPEAT = 3
#: Kinds summarised together in the results.
GROUPS: dict[str, tuple[str, ...]] = {
    "search": SEARCH_KINDS,
    "search_with_facets": tuple(k for k in SEARCH_KINDS if k != "no_facets"),
}


def command() -> list[str]:
    """The ``analysis-search`` command of this interpreter's environment."""
    script = Path(sys.executable).parent / "analysis-search"
    if script.exists():
        return [str(script)]
    return [sys.executable, str(ROOT / "analysis_search_cli.py")]


def machine() -> dict[str, Any]:
    """Where the benchmark ran."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "load_average_at_start": [round(x, 2) for x in load],
    }


# --- corpus -------------------------------------------------------------------------
def ensure_corpus(n: int, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """The pages folder and JSONL of an ``n``-page corpus (generated once, cached)."""
    base = OUT_DIR / "corpus" / f"n{n}-s{seed}-v{corpus.GENERATOR_VERSION}"
    pages, jsonl, done = base / "pages", base / "docs.jsonl", base / "DONE.json"
    if done.exists():
        return pages, jsonl, json.loads(done.read_text())
    if base.exists():
        shutil.rmtree(base)
    started = time.perf_counter()
    size = corpus.write_corpus(pages, n, seed, jsonl)
    info = {
        "pages": n,
        "seed": seed,
        "html_bytes": size,
        "generated_seconds": round(time.perf_counter() - started, 1),
    }
    done.write_text(json.dumps(info))
    return pages, jsonl, info


def corpus_stats(jsonl: Path) -> dict[str, Any]:
    """Words per article, tags and authors of a corpus (from its JSONL)."""
    words: list[int] = []
    tags: set[str] = set()
    authors: set[str] = set()
    with jsonl.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            words.append(int(d["word_count"]))
            tags.update(d["tags"])
            authors.update(d["authors"])
    words.sort()
    return {
        "words_mean": round(sum(words) / max(1, len(words))),
        "words_median": words[len(words) // 2] if words else 0,
        "words_min": words[0] if words else 0,
        "words_max": words[-1] if words else 0,
        "distinct_tags": len(tags),
        "distinct_authors": len(authors),
    }


# --- indexing -----------------------------------------------------------------------
def run_indexer(args: list[str]) -> dict[str, Any]:
    """Run ``analysis-search index ARGS --json --quiet``; time, memory and report."""
    cmd = [*command(), "index", *args, "--json", "--quiet"]
    # output goes to files, not pipes: nobody reads a pipe while we wait
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f)
        sampler = TreeMemorySampler(proc.pid)
        code, maxrss_kb, cpu = wait_with_rusage(proc.pid)
        proc.returncode = code
        seconds = time.perf_counter() - started
        peak_kb = sampler.stop()
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read().decode("utf-8", "replace")
        err = err_f.read().decode("utf-8", "replace")
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {err[-2000:]}")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    return {
        "exit_status": code,
        "seconds": round(seconds, 2),
        "peak_tree_rss_mb": round(peak_kb / 1024, 1),
        "peak_tree_pss_mb": round(sampler.peak_pss_kb / 1024, 1),
        "peak_process_rss_mb": round(maxrss_kb / 1024, 1),
        "cpu_seconds": round(max(cpu, sampler.cpu_seconds), 2),
        "report": json.loads(lines[-1]) if lines else None,
        "skipped_lines": err.count("\n"),
        "stderr_sample": err[:500],
    }


def bench_indexing(
    n: int, pages: Path, jsonl: Path, work: Path, with_jsonl: bool = True
) -> dict[str, Any]:
    """First run, re-run with nothing changed, index size, and ``--jsonl`` run
    (unless ``with_jsonl`` is False)."""
    index_dir = work / f"index-{n}"
    jsonl_dir = work / f"index-jsonl-{n}"
    for d in (index_dir, jsonl_dir):
        if d.exists():
            shutil.rmtree(d)
    print(f"  indexing {n} pages ...", flush=True)
    first = run_indexer([str(pages), "--index", str(index_dir)])
    first["pages_per_second"] = round(n / first["seconds"], 1)
    print("  re-run with nothing changed ...", flush=True)
    rerun = run_indexer([str(pages), "--index", str(index_dir)])
    out = {
        "index_dir": str(index_dir),
        "jobs": os.cpu_count(),
        "first_run": first,
        "rerun_unchanged": rerun,
        "index_bytes": dir_bytes(index_dir),
    }
    if with_jsonl:
        print(f"  indexing {n} fielded documents (--jsonl) ...", flush=True)
        from_jsonl = run_indexer(["--jsonl", str(jsonl), "--index", str(jsonl_dir)])
        from_jsonl["docs_per_second"] = round(n / from_jsonl["seconds"], 1)
        out["jsonl_run"] = from_jsonl
        out["jsonl_index_bytes"] = dir_bytes(jsonl_dir)
    return out


# --- the server ---------------------------------------------------------------------
class Server:
    """``analysis-search serve`` in a subprocess (retried on a fresh port)."""

    def __init__(self, index_dir: Path, log: Path, threads: int = 8) -> None:
        """Start the server and wait until ``/health`` answers."""
        self.log = log.open("wb")
        for _ in range(3):
            self.port = free_port()
            cmd = [
                *command(),
                "serve",
                "--index",
                str(index_dir),
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--threads",
                str(threads),
                # one process: its CPU and memory are the figures of this phase
                # (``benchmarks.workers`` measures 1 against 2 worker processes)
                "--workers",
                "1",
            ]
            started = time.perf_counter()
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
            if self._ready(deadline=started + 120):
                self.startup_seconds = time.perf_counter() - started
                return
            self._terminate()  # the log stays open for the next attempt
        self.log.close()
        raise RuntimeError(f"the server did not start; see {log}")

    def _ready(self, deadline: float) -> bool:
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url("/health"), timeout=5) as r:
                    if r.status == 200:
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def url(self, path: str) -> str:
        """Absolute URL of ``path``."""
        return f"http://{HOST}:{self.port}{path}"

    def get_ms(self, path: str) -> float:
        """Time of one GET in milliseconds."""
        started = time.perf_counter()
        with urllib.request.urlopen(self.url(path), timeout=120) as r:
            r.read()
        return (time.perf_counter() - started) * 1000

    def memory_mb(self) -> dict[str, float]:
        """The server process's current, peak and private (anonymous) resident
        memory."""
        return {
            "rss_mb": round(proc_status_kb(self.proc.pid, "VmRSS") / 1024, 1),
            "peak_rss_mb": round(proc_status_kb(self.proc.pid, "VmHWM") / 1024, 1),
            # private memory: the memory-mapped index files not counted
            "rss_anon_mb": round(proc_status_kb(self.proc.pid, "RssAnon") / 1024, 1),
        }

    def phase(
        self, requests: list[tuple[str, str]], concurrency: int, limit: float
    ) -> dict[str, Any]:
        """One load phase, with the server's CPU time per request.

        CPU time per request is the figure least disturbed by other processes on
        the machine (latency and throughput include waiting for a core).
        """
        cpu = cpu_seconds(self.proc.pid)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        result = run_http(HOST, self.port, requests, concurrency, limit)
        out = result.to_dict(GROUPS)
        used = cpu_seconds(self.proc.pid) - cpu
        done = max(1, result.requests + result.errors)
        out["server_cpu_seconds"] = round(used, 2)
        out["server_cpu_ms_per_request"] = round(1000 * used / done, 2)
        out["load_average_before"] = round(load, 2)
        return out

    def _terminate(self) -> None:
        """Terminate the process (kill if it does not stop)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self) -> None:
        """Terminate the server and close its log."""
        self._terminate()
        self.log.close()


def _requests(mix: QueryMix) -> list[tuple[str, str]]:
    return [(q.kind, q.path) for q in mix.all()]


def _popular(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Traffic of a few popular queries: the last ``POPULAR`` requests sent (still in
    the service's result cache of 512 entries), each sent ``POPULAR_REPEAT`` times,
    interleaved."""
    recent = requests[-POPULAR:]
    return [r for _ in range(POPULAR_REPEAT) for r in recent]


def bench_queries(
    index_dir: Path,
    mixes: tuple[QueryMix, QueryMix, QueryMix],
    work: Path,
    limit: float,
) -> dict[str, Any]:
    """Latency and throughput over HTTP; the server's memory."""
    warm, mix1, mix8 = mixes
    server = Server(index_dir, work / f"server-{index_dir.name}.log")
    try:
        out: dict[str, Any] = {"port": server.port}
        out["startup_seconds"] = round(server.startup_seconds, 2)
        out["memory_after_start"] = server.memory_mb()
        first = next(q for q in warm.all() if q.kind == "one_word")
        out["first_search_ms"] = round(server.get_ms(first.path), 1)
        print("  warming up ...", flush=True)
        out["warmup"] = server.phase(_requests(warm), 1, limit)
        print(f"  queries at concurrency 1 ({len(mix1.all())}) ...", flush=True)
        out["c1"] = server.phase(_requests(mix1), 1, limit)
        print(f"  queries at concurrency 8 ({len(mix8.all())}) ...", flush=True)
        out["c8"] = server.phase(_requests(mix8), 8, limit)
        print("  repeated queries at concurrency 8 (cached) ...", flush=True)
        out["c8_cached"] = server.phase(_popular(_requests(mix8)), 8, limit)
        out["memory"] = server.memory_mb()
    finally:
        server.stop()
    return out


# --- the baseline -------------------------------------------------------------------
def bench_peer(
    name: str,
    peer: Any,
    store: Path,
    jsonl: Path,
    mixes: tuple[QueryMix, QueryMix, QueryMix],
    limit: float,
) -> dict[str, Any]:
    """Build a peer engine's index (``benchmarks.fts5`` or
    ``benchmarks.tantivy_peer``: ``build``, ``connect``, ``search``) from the
    fielded documents, then run the text queries at concurrency 1 and 8."""
    print(f"  {name} peer ...", flush=True)
    out: dict[str, Any] = {"build": peer.build(jsonl, store)}
    _, mix1, mix8 = mixes

    def items(mix: QueryMix) -> list[tuple[str, Query]]:
        return [(q.kind, q) for q in mix.all() if q.kind in SEARCH_KINDS and q.fts]

    def call(con: Any, query: Query) -> None:
        peer.search(con, query)

    def setup() -> Any:
        return peer.connect(store)

    for phase_name, mix, concurrency in (("c1", mix1, 1), ("c8", mix8, 8)):
        cpu = time.process_time()
        phase: PhaseResult = run_local(call, items(mix), concurrency, limit, setup)
        used = time.process_time() - cpu
        out[phase_name] = phase.to_dict(GROUPS)
        out[phase_name]["cpu_ms_per_request"] = round(
            1000 * used / max(1, phase.requests), 2
        )
    return out


# --- one size -----------------------------------------------------------------------
def bench_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure for an ``n``-page corpus."""
    print(f"== {n:,} pages ==", flush=True)
    work = OUT_DIR / "work"
    work.mkdir(parents=True, exist_ok=True)
    pages, jsonl, info = ensure_corpus(n, args.seed)
    result: dict[str, Any] = {"corpus": {**info, **corpus_stats(jsonl)}}
    result["indexing"] = bench_indexing(
        n, pages, jsonl, work, with_jsonl=not args.no_jsonl
    )
    docs = load_docs(jsonl, seed=args.seed)
    per_kind = 20 if args.quick else 60
    warm = build_mix(docs, 3, seed=args.seed + 1)
    mix1 = build_mix(docs, per_kind, seed=args.seed + 2, exclude=warm)
    mix8 = build_mix(docs, per_kind, seed=args.seed + 3, exclude=mix1)
    mixes = (warm, mix1, mix8)
    limit = 60.0 if args.quick else 240.0
    index_dir = Path(result["indexing"]["index_dir"])
    result["http"] = bench_queries(index_dir, mixes, work, limit)
    print("  1 and 2 worker processes (wrk) ...", flush=True)
    big = build_mix(docs, 500, seed=args.seed + 4, exclude=mix8)
    result["workers"] = bench_workers(
        index_dir,
        faceted_paths(warm),
        faceted_paths(big),
        work,
        seconds=10.0 if args.quick else 20.0,
    )
    stem = jsonl.parent.name
    result["fts5"] = bench_peer(
        "FTS5", fts5, work / f"fts5-{stem}.sqlite", jsonl, mixes, limit
    )
    if tantivy_peer.available():
        result["tantivy"] = bench_peer(
            "Tantivy", tantivy_peer, work / f"tantivy-{stem}", jsonl, mixes, limit
        )
    else:
        print("  (Tantivy peer skipped: pip install -e .[bench])", flush=True)
    result["figures"] = report.figures(n, result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print the table and write the JSON file."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument("--sizes", help="comma-separated page counts (default 1000,10000)")
    p.add_argument(
        "--quick", action="store_true", help="1,000 pages, fewer queries (develop)"
    )
    p.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    p.add_argument("--out", type=Path, default=OUT_DIR / "results.json")
    p.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    p.add_argument(
        "--no-jsonl",
        action="store_true",
        help="skip the index --jsonl run (the writer alone; long at 100,000)",
    )
    args = p.parse_args(argv)
    default = "1000" if args.quick else "1000,10000"
    sizes = [int(s) for s in (args.sizes or default).split(",") if s.strip()]
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "sizes": {}}
    started = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        results["sizes"][str(n)] = bench_size(n, args)
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        # written after every size, so a failure later keeps what was measured
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(report.table(results))
    print(f"\nwrote {args.out}")
    if args.markdown:
        args.markdown.write_text(report.markdown(results), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
