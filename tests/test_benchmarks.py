"""The benchmark tools: deterministic corpus, real pages, query mix, ranking run."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks/ is not an installed package

from benchmarks import corpus, fts5, queries  # noqa: E402
from search.schema import parse_datetime  # noqa: E402

RANKING_DATA = Path(__file__).resolve().parent / "data" / "ranking"
SCORER = ROOT.parent / "shared" / "eval" / "score_ranking.py"


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fifteen pages and their fielded documents (seed 5)."""
    base = tmp_path_factory.mktemp("corpus")
    corpus.write_corpus(base / "pages", 15, seed=5, jsonl=base / "docs.jsonl")
    return base


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_corpus_is_deterministic_for_a_seed(small_corpus, tmp_path):
    corpus.write_corpus(tmp_path / "again", 15, seed=5, jsonl=tmp_path / "d.jsonl")
    assert _files(tmp_path / "again") == _files(small_corpus / "pages")
    assert (tmp_path / "d.jsonl").read_bytes() == (
        small_corpus / "docs.jsonl"
    ).read_bytes()
    other = [g.article["title"] for g in corpus.generate(15, seed=6)]
    same = [g.article["title"] for g in corpus.generate(15, seed=5)]
    assert other != same


def test_corpus_articles_have_the_specified_shape():
    items = list(corpus.generate(60, seed=11))
    render = corpus.load_render()
    templates = set()
    for item in items:
        a = item.article
        words = render.body_word_count(a)
        assert corpus.MIN_WORDS <= words <= corpus.MAX_WORDS, words
        assert 1 <= len(a["authors"]) <= 3
        assert 3 <= len(a["tags"]) <= 8
        assert len(set(a["tags"])) == len(a["tags"])
        year = datetime.fromisoformat(a["published"]).year
        assert corpus.FIRST_YEAR <= year < corpus.FIRST_YEAR + corpus.YEARS
        assert a["section"] in render.SECTIONS
        templates.add(a["template"])
    assert templates == set(render.TEMPLATES)
    assert len({i.relpath for i in items}) == len(items)


def test_vocabulary_is_zipf_distributed():
    gen = corpus.Generator(seed=3)
    words = gen._words(60_000, topical=["unusedtopicword"])
    counted = Counter(words)
    del counted["unusedtopicword"]
    counts = sorted(counted.values(), reverse=True)
    # frequency ~ 1 / rank: the 10th word is several times rarer than the 1st,
    # the 100th several times rarer than the 10th
    assert counts[0] > 4 * counts[9] > 0
    assert counts[9] > 4 * counts[99] > 0
    assert len(counts) > 3000  # a long tail, not a handful of words


def test_pages_are_extracted_with_the_right_fields(small_corpus):
    from indexer.cli import extract

    expected = {}
    for line in (small_corpus / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        expected[doc["source"]] = doc
    pages = small_corpus / "pages"
    out = io.StringIO()
    extract([str(pages / rel) for rel in expected], jsonl=True, out=out)
    got = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(got) == len(expected)
    for doc in got:
        want = expected[str(Path(doc["source"]).relative_to(pages))]
        for field in ("title", "authors", "tags", "section"):
            assert doc[field] == want[field], (doc["source"], field)
        for field in ("published", "updated"):  # the same instant, any offset
            got_dt, want_dt = parse_datetime(doc[field]), parse_datetime(want[field])
            assert got_dt == want_dt, (doc["source"], field)
        body_words, want_words = set(doc["body"].split()), set(want["body"].split())
        overlap = len(body_words & want_words) / len(body_words | want_words)
        assert overlap > 0.95, (doc["source"], overlap)


def test_query_mix_is_deterministic_and_distinct(small_corpus):
    docs = queries.load_docs(small_corpus / "docs.jsonl")
    first = queries.build_mix(docs, 5, seed=1)
    again = queries.build_mix(docs, 5, seed=1)
    second = queries.build_mix(docs, 5, seed=2, exclude=first)
    assert first.all() == again.all()
    assert {q.kind for q in first.all()} == set(queries.ALL_KINDS)
    assert not {q.path for q in first.all()} & {q.path for q in second.all()}


def test_fts5_baseline_finds_the_words_of_a_document(small_corpus, tmp_path):
    built = fts5.build(small_corpus / "docs.jsonl", tmp_path / "fts.sqlite")
    assert built["documents"] == 15
    doc = json.loads((small_corpus / "docs.jsonl").read_text().splitlines()[0])
    word = max(doc["title"].split(), key=len).lower()
    con = fts5.connect(tmp_path / "fts.sqlite")
    total, rows = fts5.search(con, queries.Query("one_word", "", word, f'"{word}"'))
    assert total >= 1
    assert doc["id"] in [r[0] for r in rows] or total > 10


def test_tantivy_peer_finds_what_fts5_finds(small_corpus, tmp_path):
    pytest.importorskip("tantivy")  # bench-only (make bench installs it)
    from benchmarks import tantivy_peer

    jsonl = small_corpus / "docs.jsonl"
    built = tantivy_peer.build(jsonl, tmp_path / "tv")
    assert built["documents"] == 15 and built["bytes"] > 0
    fts5.build(jsonl, tmp_path / "fts.sqlite")
    con, reader = (
        fts5.connect(tmp_path / "fts.sqlite"),
        tantivy_peer.connect(tmp_path / "tv"),
    )
    doc = json.loads(jsonl.read_text().splitlines()[0])
    word = max(doc["title"].split(), key=len).lower()
    q = queries.Query("one_word", "", word, f'"{word}"')
    assert tantivy_peer.search(reader, q)[0] == fts5.search(con, q)[0] >= 1
    rows = tantivy_peer.search(reader, q)[1]
    assert doc["id"] in [r[0] for r in rows]
    # a typo is found through Tantivy's fuzzy matching (FTS5 finds nothing)
    typo = word[0] + word[2] + word[1] + word[3:]
    assert (
        tantivy_peer.search(reader, queries.Query("typo", "", typo, f'"{typo}"'))[0]
        >= 1
    )
    # the tag and year filters narrow the same query
    tag, year = doc["tags"][0], (doc.get("published") or "")[:4]
    narrow = queries.Query("two_filters", "", word, f'"{word}"', tag=tag, year=year)
    assert 1 <= tantivy_peer.search(reader, narrow)[0] <= fts5.search(con, q)[0]


def test_ranking_script_writes_a_trec_run(tmp_path):
    run = tmp_path / "run.trec"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "ranking.py"),
            "--docs",
            str(RANKING_DATA / "docs.jsonl"),
            "--queries",
            str(RANKING_DATA / "queries.jsonl"),
            "--qrels",
            str(RANKING_DATA / "qrels.tsv"),
            "--run",
            str(run),
            "--depth",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "indexed 7 documents" in proc.stdout
    by_query: dict[str, list[tuple[int, float, str]]] = {}
    for line in run.read_text().splitlines():
        qid, q0, doc_id, rank, score, tag = line.split()
        assert q0 == "Q0" and tag == "analysis-search"
        assert doc_id in {f"d{i}" for i in range(1, 8)}
        by_query.setdefault(qid, []).append((int(rank), float(score), doc_id))
    assert set(by_query) == {"1", "2", "3"}
    for rows in by_query.values():
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        assert all(a[1] > b[1] for a, b in zip(rows, rows[1:], strict=False))
        assert len(rows) <= 5
    assert [by_query[q][0][2] for q in ("1", "2", "3")] == ["d1", "d2", "d3"]
    if SCORER.is_file():
        ndcg = next(
            float(line.split()[1])
            for line in proc.stdout.splitlines()
            if line.startswith("ndcg@10")
        )
        assert ndcg > 0.9 and not math.isnan(ndcg)


WRK_OUTPUT = """Running 20s test @ http://127.0.0.1:8607
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    72.33ms   35.96ms   1.52s    92.25%
    Req/Sec   119.47     18.49   190.00     68.75%
  Latency Distribution
     50%   65.10ms
     75%   88.20ms
     90%  120.00ms
     99%    1.02s\x20
  2390 requests in 20.09s, 31.82MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    118.96
Transfer/sec:      1.58MB
"""


def test_wrk_report_is_parsed_with_units_and_errors():
    """wrk pads a latency in seconds with a space ("1.02s "): it is still read."""
    from benchmarks.workers import _parse_wrk

    report = _parse_wrk(WRK_OUTPUT)
    assert report["requests"] == 2390
    assert report["requests_per_second"] == 118.96
    assert report["latency_ms"] == {
        "p50": 65.1,
        "p75": 88.2,
        "p90": 120.0,
        "p99": 1020.0,
    }
    assert report["non_2xx"] == 4
    assert report["socket_errors"] == 3


def test_wrk_script_cycles_through_every_path_in_order():
    from benchmarks.workers import wrk_script

    script = wrk_script(["/search?q=a", '/search?q="b c"'])
    assert '"/search?q=a"' in script and '"/search?q=\\"b c\\""' in script
    assert "wrk.format('GET', paths[(n % #paths) + 1])" in script


def test_profile_report_counts_busy_samples_by_own_and_total_share(tmp_path):
    from benchmarks import profile

    raw = tmp_path / "raw.txt"
    raw.write_text(
        "main (/app/.venv/bin/x:1);run (/app/search/engine/run.py:107);"
        "_compute (/app/search/scoring/postings.py:213) 30\n"
        "main (/app/.venv/bin/x:1);run (/app/search/engine/run.py:107);"
        "decompress (/usr/lib/python3.11/zlib.py:5) 10\n"
        "main (/app/.venv/bin/x:1);handler (/app/waitress/task.py:9);"
        "Condition.wait (/usr/lib/python3.11/threading.py:320) 60\n"
    )
    own, total, busy, idle = profile.shares(raw)
    assert (busy, idle) == (40, 60)
    assert own["_compute (search/scoring/postings.py)"] == 30
    assert total["run (search/engine/run.py)"] == 40
    text = profile.report(raw, top=5)
    assert "| 75.0 | `_compute (search/scoring/postings.py)` |" in text
    assert "| 100.0 | `run (search/engine/run.py)` |" in text


def test_soak_table_has_one_row_per_check():
    from benchmarks.soak import table

    rows = [
        {"check": "kill -9", "trials": 20, "failures": 0, "lost": 0},
        {"check": "load", "trials": 12345, "failures": 1, "lost": 2},
    ]
    lines = table(rows).splitlines()
    assert lines[0] == "| check | trials / requests | failures | documents lost |"
    assert lines[2:] == ["| kill -9 | 20 | 0 | 0 |", "| load | 12,345 | 1 | 2 |"]
