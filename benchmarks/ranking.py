"""``python benchmarks/ranking.py``: ranking quality of the production pipeline.

Indexes a test collection with ``analysis-search index --jsonl`` (the production
schema and analysers) into a temporary folder, runs every query through the very
pipeline the service uses for a reader's words (``SearchEngine.search`` with a
plain-mode ``SearchRequest``: parsing, the matching fallback for long questions,
BM25F field weights, proximity), writes a TREC run and scores it with
``../shared/eval/score_ranking.py`` (nDCG@10, MAP, P@10, MRR@10, recall).

Usage::

    python benchmarks/ranking.py [--docs F] [--queries F] [--qrels F] [--run OUT]

The defaults are the files of ``../shared/eval/ranking/`` (Cranfield: documents
``{"id", "title", "author", "bib", "text"}``, queries ``{"id", "text"}``, qrels
``query_id doc_id relevance``). Documents that already are fielded documents (with
``body``) are indexed as they are; Cranfield's are converted on the fly: ``text``
becomes the body and ``author`` the one author; ``bib`` is not indexed.

The run lists each query's hits in the engine's order. Its score column is
``depth - rank + 1`` rather than the engine's score, so that the scorer, which
re-sorts by score, sees exactly the engine's order (final re-ranking steps such as
proximity need not keep raw scores monotonic).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
RANKING = EVAL / "ranking"
SCORER = EVAL / "score_ranking.py"
RUN_TAG = "analysis-search"


def fielded(doc: dict[str, Any]) -> dict[str, Any]:
    """A collection document as a fielded document (``index --jsonl`` shape).

    Args:
        doc: A fielded document (has ``body``), or a Cranfield-style one with
            ``text`` and ``author``.

    Returns:
        The fielded document.
    """
    if "body" in doc:
        return doc
    author = str(doc.get("author") or "").strip()
    return {
        "id": str(doc["id"]),
        "title": str(doc.get("title") or "").strip(),
        "authors": [author] if author else [],
        "body": str(doc.get("text") or "").strip(),
        "source": "ranking-collection",
    }


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def analysis_search() -> list[str]:
    """The ``analysis-search`` command of this interpreter's environment."""
    script = Path(sys.executable).parent / "analysis-search"
    if script.exists():
        return [str(script)]
    return [sys.executable, str(ROOT / "analysis_search_cli.py")]


def build_index(docs: Path, index_dir: Path, work: Path) -> tuple[int, float]:
    """Index the collection; the number of documents and the seconds it took.

    Raises:
        RuntimeError: The indexer failed or skipped documents.
    """
    converted = work / "docs.fielded.jsonl"
    n = 0
    with converted.open("w", encoding="utf-8") as out:
        for doc in _jsonl(docs):
            d = fielded(doc)
            if not d.get("title") and not d.get("body"):
                continue  # nothing to index (and the indexer would reject it)
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    cmd = [*analysis_search(), "index", "--jsonl", str(converted)]
    cmd += ["--index", str(index_dir), "--quiet"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-2000:]}")
    return n, seconds


def run_queries(
    index_dir: Path, queries: Path, depth: int
) -> tuple[dict[str, list[str]], float]:
    """Every query through ``SearchEngine.search``; ranked ids and total seconds."""
    from search.engine import SearchEngine
    from search.models import MAX_PER_PAGE, SearchRequest

    per_page = min(depth, MAX_PER_PAGE)
    engine = SearchEngine(index_dir, cache_size=0)
    ranked: dict[str, list[str]] = {}
    started = time.perf_counter()
    try:
        for q in _jsonl(queries):
            ids: list[str] = []
            page = 1
            while len(ids) < depth:
                result = engine.search(
                    SearchRequest(q=q["text"], per_page=per_page, page=page, facets=())
                )
                ids.extend(h.id for h in result.hits)
                if page * per_page >= min(result.total, depth) or not result.hits:
                    break
                page += 1
            ranked[str(q["id"])] = ids[:depth]
    finally:
        engine.close()
    return ranked, time.perf_counter() - started


def write_run(ranked: dict[str, list[str]], path: Path, depth: int) -> int:
    """Write a TREC run (``qid Q0 docid rank score tag``); the number of lines."""
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for qid, ids in ranked.items():
            for rank, doc_id in enumerate(ids, start=1):
                out.write(f"{qid} Q0 {doc_id} {rank} {depth - rank + 1} {RUN_TAG}\n")
                lines += 1
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Index, search, write the run and score it; print the scores."""
    p = argparse.ArgumentParser(prog="benchmarks/ranking.py", description=__doc__)
    p.add_argument("--docs", type=Path, default=RANKING / "docs.jsonl")
    p.add_argument("--queries", type=Path, default=RANKING / "queries-dev.jsonl")
    p.add_argument("--qrels", type=Path, default=RANKING / "qrels-dev.tsv")
    p.add_argument("--run", type=Path, help="where the TREC run goes (default: temp)")
    p.add_argument("--depth", type=int, default=100, help="hits per query (<= 1000)")
    p.add_argument("--scorer", type=Path, default=SCORER)
    p.add_argument("--json", type=Path, help="also write the scores as JSON here")
    args = p.parse_args(argv)
    depth = max(1, min(args.depth, 1000))
    for path in (args.docs, args.queries):
        if not path.is_file():
            sys.stderr.write(f"ranking: {path} is not here\n")
            return 2
    with tempfile.TemporaryDirectory(prefix="ranking-") as tmp:
        work = Path(tmp)
        n, index_seconds = build_index(args.docs, work / "index", work)
        ranked, search_seconds = run_queries(work / "index", args.queries, depth)
        run = args.run or work / "run.trec"
        run.parent.mkdir(parents=True, exist_ok=True)
        lines = write_run(ranked, run, depth)
        print(
            f"indexed {n} documents in {index_seconds:.1f} s; {len(ranked)} queries "
            f"in {search_seconds:.1f} s "
            f"({1000 * search_seconds / max(1, len(ranked)):.0f} ms/query); "
            f"{lines} run lines -> {run if args.run else 'a temporary file'}",
            flush=True,
        )
        if not args.scorer.is_file() or not args.qrels.is_file():
            print(f"not scored: {args.scorer} or {args.qrels} is missing")
            return 0
        cmd = [sys.executable, str(args.scorer), str(run), str(args.qrels)]
        if args.json:
            cmd += ["--json", str(args.json)]
        scored = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sys.stdout.write(scored.stdout)
        sys.stderr.write(scored.stderr)
        return scored.returncode


if __name__ == "__main__":
    sys.exit(main())
