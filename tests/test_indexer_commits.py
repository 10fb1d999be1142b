"""Crash-safe indexing at scale: periodic commits, resuming after kill -9, merging.

A long run commits every N changed documents or T seconds, so a run killed at any
moment loses at most the last interval; the next run finds the committed pages
unchanged by their hash and parses only the rest. ``--strict`` still commits once,
at the end, or nothing; ``--prune`` still deletes only after the complete walk.

``make soak`` runs the kill -9 trials 20 times (``ANALYSIS_SEARCH_KILL_TRIALS``);
``make test`` runs three.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from indexer_pages import write_pages

from indexer.commits import CommitPolicy
from indexer.writer import open_writer
from search import schema
from search.store.writing import open_or_create

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
TRIALS = int(os.environ.get("ANALYSIS_SEARCH_KILL_TRIALS", "3"))


def index_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "indexer", "index", *args]


def run_index(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        index_cmd(*args), capture_output=True, text=True, timeout=300, check=False
    )


def stored(index_dir: Path) -> dict[str, str]:
    """id -> content hash of every committed document."""
    ix = open_or_create(index_dir)
    try:
        with ix.searcher() as s:
            docs = s.all_stored_fields()
            return {d[schema.ID_FIELD]: d[schema.CONTENT_HASH] for d in docs}
    finally:
        ix.close()


def fields(i: int) -> dict:
    return schema.to_index_fields(
        {"id": f"d{i}", "title": f"Title {i}", "body": f"body words {i}"}
    )


# --- the writer ----------------------------------------------------------------------
def test_each_checkpoint_is_a_committed_readable_generation(tmp_path):
    seen = []
    with open_writer(tmp_path, policy=CommitPolicy(every=3)) as dw:
        for i in range(8):
            dw.write(fields(i))
            if dw.checkpoint():
                seen.append(len(stored(tmp_path)))
        assert dw.commits == 2
    assert seen == [3, 6]
    assert len(stored(tmp_path)) == 8


def test_a_failed_run_keeps_what_its_checkpoints_committed(tmp_path):
    with pytest.raises(RuntimeError):
        with open_writer(tmp_path, policy=CommitPolicy(every=4)) as dw:
            for i in range(6):
                dw.write(fields(i))
                dw.checkpoint()
            raise RuntimeError("crash after the first interval")
    assert sorted(stored(tmp_path)) == ["d0", "d1", "d2", "d3"]
    # and the lock was released
    with open_writer(tmp_path) as dw:
        dw.write(fields(9))
    assert len(stored(tmp_path)) == 5


def test_a_document_committed_earlier_in_the_run_is_replaced_not_doubled(tmp_path):
    with open_writer(tmp_path, policy=CommitPolicy(every=1)) as dw:
        dw.write(fields(1))
        assert dw.checkpoint()
        dw.write(
            schema.to_index_fields({"id": "d1", "title": "New", "body": "new body"})
        )
    ix = open_or_create(tmp_path)
    with ix.searcher() as s:
        docs = list(s.all_stored_fields())
    ix.close()
    assert [d[schema.TITLE] for d in docs] == ["New"]


def test_commits_by_time(tmp_path):
    with open_writer(tmp_path, policy=CommitPolicy(seconds=0.05)) as dw:
        dw.write(fields(1))
        time.sleep(0.1)
        assert dw.checkpoint()
        assert dw.checkpoint() is False  # nothing changed since
    assert len(stored(tmp_path)) == 1


def test_the_lock_is_free_between_two_commits(tmp_path):
    """An API write can go in between two commits of a long run."""
    from search.store.writing import committing_writer

    with open_writer(tmp_path, policy=CommitPolicy(every=1)) as dw:
        dw.write(fields(1))
        dw.end()  # what checkpoint does first
        ix = open_or_create(tmp_path)
        with committing_writer(ix) as w:  # would raise IndexLockedError if held
            w.add_document(**fields(2))
        ix.close()
        dw.begin()
        dw.write(fields(3))
    assert sorted(stored(tmp_path)) == ["d1", "d2", "d3"]


# --- the command line ---------------------------------------------------------------
def test_periodic_commits_merge_small_segments(tmp_path):
    pages = tmp_path / "pages"
    write_pages(pages, 300)
    index = tmp_path / "ix"
    result = run_index(
        str(pages), "--index", str(index), "--json", "--commit-every", "10"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == 300 and report["commits_before_end"] == 30
    ix = open_or_create(index)
    segments = len(ix._segments())
    ix.close()
    # 30 commits of up to 4 writers each, merged as they go (Whoosh's MERGE_SMALL)
    assert segments <= 12, segments


def test_strict_makes_no_periodic_commit(tmp_path):
    pages = tmp_path / "pages"
    write_pages(pages, 60)
    (pages / "zz-bad.html").write_bytes(b"")
    index = tmp_path / "ix"
    result = run_index(
        str(pages), "--index", str(index), "--strict", "--commit-every", "5"
    )
    assert result.returncode == 1
    assert stored(index) == {}


def test_prune_deletes_only_after_the_complete_walk(tmp_path):
    pages = tmp_path / "pages"
    write_pages(pages, 60)
    index = tmp_path / "ix"
    assert run_index(str(pages), "--index", str(index), "--quiet").returncode == 0
    for path in sorted(pages.iterdir())[:10]:
        path.unlink()
    (pages / "zz-bad.html").write_bytes(b"")
    result = run_index(
        str(pages), "--index", str(index), "--prune", "--json", "--commit-every", "1"
    )
    report = json.loads(result.stdout)
    assert report["deleted"] == 10 and len(stored(index)) == 50


def _write_corpus(folder: Path) -> None:
    """The example articles plus generated pages (a run of a few seconds)."""
    folder.mkdir()
    for path in EXAMPLES.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    write_pages(folder / "generated", 600)


def kill_trial(corpus: Path, index: Path, rng: random.Random) -> dict[str, int]:
    """kill -9 the indexer at a random moment; check the index; finish the run."""
    before = stored(index) if index.exists() else {}
    proc = subprocess.Popen(
        index_cmd(str(corpus), "--index", str(index), "--quiet", "--commit-every")
        + ["40", "--commit-interval", "0.5"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(rng.uniform(0.2, 4.0))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    # the index opens and holds a committed state: everything from before, and
    # some whole pages more
    after = stored(index) if index.exists() else {}
    assert set(before) <= set(after)
    resumed = run_index(str(corpus), "--index", str(index), "--json")
    assert resumed.returncode in (0, 1), resumed.stderr  # 1: the corpus's bad pages
    report = json.loads(resumed.stdout)
    # nothing committed was parsed again
    assert report["unchanged"] >= len(after) - len(before)
    return {"committed_at_kill": len(after), "parsed_on_resume": report["added"]}


@pytest.mark.slow
def test_kill_9_at_random_moments_then_resume_gives_the_clean_run(tmp_path):
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    clean = tmp_path / "clean"
    run_index(str(corpus), "--index", str(clean), "--quiet")
    expected = stored(clean)
    assert len(expected) > 600
    rng = random.Random(os.environ.get("ANALYSIS_SEARCH_KILL_SEED", "13"))
    trials = []
    for trial in range(TRIALS):
        index = tmp_path / f"trial-{trial}"
        figures = kill_trial(corpus, index, rng)
        assert stored(index) == expected, (trial, figures)
        trials.append(figures)
    print("kill -9 trials:", trials)
    # the kills landed mid-run, after some periodic commits: resuming was tested
    assert any(0 < t["committed_at_kill"] < len(expected) for t in trials), trials
