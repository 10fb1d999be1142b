"""The ``index`` and ``extract`` subcommands: ``main(argv)`` and real processes."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from indexer_pages import page, write_gz, write_pages

from indexer.cli import EXTRACT_KEYS, main
from search.store.writing import open_or_create

DOCUMENT_KEYS = {
    "source",
    "id",
    "url",
    "title",
    "authors",
    "published",
    "updated",
    "tags",
    "section",
    "summary",
    "language",
    "body",
    "word_count",
}


def _python_m(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _doc_count(index_dir) -> int:
    return open_or_create(index_dir).doc_count()


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "pages"
    write_pages(folder, 3)
    return folder


# --- extract -----------------------------------------------------------------------


def test_extract_prints_one_indented_document_per_page(folder, capsys):
    path = str(folder / "page-0001.html")
    assert main(["extract", path]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert DOCUMENT_KEYS <= set(doc)
    assert list(doc)[:2] == ["source", "id"]
    assert doc["source"] == path
    assert doc["id"] == "page-0001.html"
    assert doc["title"] == "Article number 1 on energy and trade"
    assert isinstance(doc["authors"], list) and isinstance(doc["tags"], list)
    assert "Paragraph 5 of article 1" in doc["body"]
    assert doc["word_count"] == len(doc["body"].split())


def test_extract_jsonl_reads_gzip_and_keeps_going_after_a_bad_page(folder, capsys):
    gz = write_gz(folder / "zipped.html.gz", page(7))
    empty = folder / "empty.html"
    empty.write_bytes(b"")
    files = [
        str(folder / "page-0000.html"),
        str(empty),
        str(gz),
        str(folder / "nope.html"),
    ]
    assert main(["extract", "--jsonl", *files]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2
    docs = [json.loads(line) for line in lines]
    assert [d["source"] for d in docs] == [files[0], files[2]]
    assert list(docs[1]) == list(EXTRACT_KEYS)
    assert docs[1]["title"] == "Article number 7 on energy and trade"
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"{empty}: ")
    assert errors[1].startswith(f"{folder / 'nope.html'}: cannot read file")


def test_extract_reads_one_page_from_stdin():
    html = page(3, canonical="https://example.org/a/3").encode()
    result = _python_m("extract", "--jsonl", "-", input=html.decode())
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"] == "-"
    assert doc["id"] == "https://example.org/a/3"
    assert doc["title"] == "Article number 3 on energy and trade"


def test_extract_via_the_console_script_dispatcher(folder, capsys):
    from analysis_search_cli import main as top_main

    gz = folder / "g.html.gz"
    gz.write_bytes(gzip.compress(page(2).encode()))
    assert top_main(["extract", "--jsonl", str(gz)]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == str(gz)


# --- usage errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["extract"],
        ["extract", "--bogus", "a.html"],
        ["index", "pages"],
        ["index", "--index", "ix"],
        ["index", "pages", "--index", "ix", "--jsonl", "docs.jsonl"],
        ["index", "--jsonl", "docs.jsonl", "--index", "ix", "--prune"],
        ["index", "pages", "--index", "ix", "--jobs", "0"],
        ["index", "pages", "--index", "ix", "--jobs", "many"],
        ["index", "pages", "--index", "ix", "--site-config", "missing.toml"],
        ["frobnicate"],
        [],
    ],
    ids=[
        "extract-no-file",
        "extract-unknown-option",
        "index-no-index",
        "index-no-path",
        "index-paths-and-jsonl",
        "index-prune-jsonl",
        "index-jobs-zero",
        "index-jobs-word",
        "index-missing-site-config",
        "unknown-command",
        "nothing",
    ],
)
def test_usage_errors_return_2(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip()
    assert "Traceback" not in err
    assert not (tmp_path / "ix").exists()


def test_missing_input_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["index", str(tmp_path / "none"), "--index", str(tmp_path / "ix")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_main_parses_its_argv_not_sys_argv(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["analysis-search", "--bogus"])
    assert main(["index", str(folder), "--index", str(tmp_path / "ix"), "--quiet"]) == 0


def test_help_returns_0(capsys):
    assert main(["index", "--help"]) == 0
    out = capsys.readouterr().out
    for option in (
        "--index",
        "--prune",
        "--strict",
        "--jsonl",
        "--site-config",
        "--jobs",
    ):
        assert option in out


# --- index ---------------------------------------------------------------------------


def test_index_prints_a_summary_line_and_exits_0(folder, tmp_path, capsys):
    assert main(["index", str(folder), "--index", str(tmp_path / "ix")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert "3 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped" in line
    assert "pages/s" in line
    assert _doc_count(tmp_path / "ix") == 3


def test_index_json_report_and_quiet(folder, tmp_path, capsys):
    (folder / "page-0001.html").unlink()
    (folder / "bad.html").write_bytes(b"")
    argv = ["index", str(folder), "--index", str(tmp_path / "ix"), "--json", "--quiet"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["added"] == 2
    assert report["skipped"][0]["source"] == str(folder / "bad.html")
    assert {"updated", "unchanged", "deleted", "seconds", "pages_per_second"} <= set(
        report
    )
    # --quiet: only the bad page's line is left on stderr
    assert captured.err.splitlines() == [
        f"{folder / 'bad.html'}: {report['skipped'][0]['reason']}"
    ]


def test_index_rerun_and_prune(folder, tmp_path, capsys):
    index = str(tmp_path / "ix")
    assert main(["index", str(folder), "--index", index, "--quiet"]) == 0
    (folder / "page-0000.html").unlink()
    assert main(["index", str(folder), "--index", index, "--prune", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["unchanged"], report["deleted"]) == (2, 1)
    assert _doc_count(tmp_path / "ix") == 2


def test_index_strict_exits_1_and_commits_nothing(folder, tmp_path, capsys):
    (folder / "bad.html").write_bytes(b"")
    assert (
        main(["index", str(folder), "--index", str(tmp_path / "ix"), "--strict"]) == 1
    )
    err = capsys.readouterr().err
    assert err.startswith(f"{folder / 'bad.html'}: ")
    assert "nothing was committed" in err
    assert _doc_count(tmp_path / "ix") == 0


def test_index_jsonl(tmp_path, capsys):
    src = tmp_path / "docs.jsonl"
    src.write_text(
        json.dumps({"id": "x", "title": "X", "body": "text"}) + "\n" + "{broken\n",
        encoding="utf-8",
    )
    assert main(["index", "--jsonl", str(src), "--index", str(tmp_path / "ix")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{src}:2: not valid JSON")
    assert "1 added" in err[1]


def test_extract_output_round_trips_through_index_jsonl(folder, tmp_path, capsys):
    assert main(["extract", "--jsonl", *map(str, sorted(folder.iterdir()))]) == 0
    src = tmp_path / "docs.jsonl"
    src.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["index", "--jsonl", str(src), "--index", str(tmp_path / "ix")]) == 0
    assert _doc_count(tmp_path / "ix") == 3


def test_second_indexer_gets_index_is_locked(folder, tmp_path):
    ix = open_or_create(tmp_path / "ix")
    holder = ix.writer()  # a real lock, as a running indexer or the service holds it
    try:
        result = _python_m("index", str(folder), "--index", str(tmp_path / "ix"))
    finally:
        holder.cancel()
    assert result.returncode == 1
    assert "index is locked" in result.stderr
    assert "Traceback" not in result.stderr
    assert _doc_count(tmp_path / "ix") == 0
    assert (
        _python_m("index", str(folder), "--index", str(tmp_path / "ix")).returncode == 0
    )


@pytest.mark.slow
def test_kill_9_mid_run_leaves_the_previous_index_readable(tmp_path):
    old = tmp_path / "old"
    write_pages(old, 5)
    index = tmp_path / "ix"
    assert (
        _python_m("index", str(old), "--index", str(index), "--quiet").returncode == 0
    )
    many = tmp_path / "many"
    write_pages(many, 1500, start=100)
    before = set(os.listdir(index))
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "index", str(many), "--index", str(index)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the writer has created its new segment
            if set(os.listdir(index)) - before:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the indexer never started writing")
        # mid-run: its new segment exists, and it is still writing
        assert proc.poll() is None, "the run ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    ix = open_or_create(index)
    with ix.searcher() as s:
        assert sorted(d["id"] for d in s.all_stored_fields()) == [
            f"page-{i:04d}.html" for i in range(5)
        ]
    # the killed writer's lock died with it: the next run works
    result = _python_m("index", str(old), "--index", str(index), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["unchanged"] == 5


@pytest.mark.slow
def test_extract_in_parallel_prints_the_same_documents_in_order(tmp_path, capsys):
    from indexer.workers import MIN_PARALLEL_PAGES

    paths = write_pages(tmp_path / "many", MIN_PARALLEL_PAGES + 4)
    (tmp_path / "many" / "page-0002.html").write_bytes(b"")
    files = [str(p) for p in paths]
    assert main(["extract", "--jsonl", "--jobs", "1", *files]) == 1
    serial = capsys.readouterr()
    assert main(["extract", "--jsonl", "--jobs", "2", *files]) == 1
    parallel = capsys.readouterr()
    assert parallel.out == serial.out
    assert parallel.err == serial.err == f"{files[2]}: empty file\n"
    assert [json.loads(line)["source"] for line in parallel.out.splitlines()] == (
        files[:2] + files[3:]
    )


def test_extract_stdin_among_files(folder):
    html = page(9)
    first = str(folder / "page-0000.html")
    result = _python_m("extract", "--jsonl", first, "-", input=html)
    assert result.returncode == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["source"] for d in docs] == [first, "-"]
    assert docs[1]["title"] == "Article number 9 on energy and trade"


def test_site_config_reaches_extract_and_index(folder, tmp_path, capsys):
    headline = "The headline a site config picks out"
    kicker = f'<p class="kicker">{headline}</p>'
    (folder / "page-0001.html").write_text(page(1, extra=kicker))
    config = tmp_path / "site.toml"
    config.write_text('[selectors]\ntitle = ".kicker"\n')
    path = str(folder / "page-0001.html")
    assert main(["extract", "--jsonl", "--site-config", str(config), path]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == headline
    index = str(tmp_path / "ix")
    argv = ["index", str(folder), "--index", index, "--site-config", str(config)]
    assert main(argv) == 0
    with open_or_create(index).searcher() as s:
        assert s.document(id="page-0001.html")["title"] == headline


def test_progress_bar_only_on_a_terminal(folder, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "indexer", "index", str(folder)]
            + ["--index", str(tmp_path / "ix")],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert proc.returncode == 0
    tty_err = b"".join(chunks).decode("utf-8", "replace")
    assert "3/3" in tty_err and "page" in tty_err  # tqdm's bar
    assert "3 added" in tty_err
    piped = _python_m("index", str(folder), "--index", str(tmp_path / "ix2"))
    assert "3/3" not in piped.stderr
    assert piped.stderr.count("\n") == 1  # just the summary line


def _session_processes(sid: int) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of the processes of a session."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid:
            found[int(entry)] = (int(fields[1]), cmdline)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_killed_parser_process_is_reported_and_the_run_goes_on(tmp_path):
    """A parser process killed mid-run (as the OOM killer would) costs the page it
    was on, reported by name; a new process parses the rest and the run commits."""
    old = tmp_path / "old"
    write_pages(old, 2)
    index = tmp_path / "ix"
    assert (
        _python_m("index", str(old), "--index", str(index), "--quiet").returncode == 0
    )
    many = tmp_path / "many"
    write_pages(many, 1500, start=100)
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "index", str(many), "--index", str(index)]
        + ["--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            procs = _session_processes(proc.pid)
            servers = {p for p, (_, cmd) in procs.items() if "forkserver" in cmd}
            parsers = [p for p, (ppid, _) in procs.items() if ppid in servers]
            if parsers:
                break
            time.sleep(0.05)
        else:
            pytest.fail("no parser process started")
        os.kill(parsers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert "Traceback" not in err
    died = [ln for ln in err.splitlines() if "parser process died" in ln]
    if died:  # killed on a page (almost always: two pages are queued per process)
        assert proc.returncode == 1  # a page was skipped
        assert len(died) == 1 and "page-" in died[0] and "SIGKILL" in died[0], err
        assert "1499 added" in err and "1 skipped" in err
        assert _doc_count(index) == 2 + 1499
    else:  # killed between two pages: nothing lost
        assert proc.returncode == 0, err
        assert _doc_count(index) == 2 + 1500


@pytest.mark.slow
def test_every_child_of_a_killed_indexer_ends_and_the_next_run_starts(tmp_path):
    """kill -9 of the indexer alone (not its process group): its writer processes
    (their parent is the indexer), the parser processes and the forkserver (their
    parent is the forkserver) all end, and the index is not left locked."""
    many = tmp_path / "many"
    write_pages(many, 1500)
    index = tmp_path / "ix"
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "index", str(many), "--index", str(index)]
        + ["--jobs", "2", "--writers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            procs = _session_processes(proc.pid)
            servers = {p for p, (_, cmd) in procs.items() if "forkserver" in cmd}
            parsers = [p for p, (ppid, _) in procs.items() if ppid in servers]
            writers = [p for p, (ppid, _) in procs.items() if ppid == proc.pid]
            if parsers and len(writers) >= 2:  # the tracker is a child too
                break
            time.sleep(0.05)
        else:
            pytest.fail("the parser and writer processes never all started")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _session_processes(proc.pid):
            assert time.monotonic() < deadline, _session_processes(proc.pid)
            time.sleep(0.1)
    finally:
        left = _session_processes(proc.pid)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    result = _python_m("index", str(many), "--index", str(index), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1500


@pytest.mark.slow
def test_ctrl_c_mid_run_exits_130_and_commits_nothing(tmp_path):
    many = tmp_path / "many"
    write_pages(many, 1500)
    index = tmp_path / "ix"
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "index", str(many), "--index", str(index)]
        + ["--commit-every", "0", "--commit-interval", "0"],  # one commit, at the end
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # a suite started in the background (nohup, a CI runner) ignores SIGINT,
        # and children inherit that: give the run a terminal's Ctrl-C back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for a running parser process
            procs = _session_processes(proc.pid)
            servers = {p for p, (_, cmd) in procs.items() if "forkserver" in cmd}
            if any(ppid in servers for ppid, _ in procs.values()):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run never started its parser processes")
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted: the index keeps what was last committed" in err
    assert "Traceback" not in err
    assert _doc_count(index) == 0


def test_extract_keeps_the_pages_own_offset_and_the_index_stores_utc(tmp_path, capsys):
    # Late evening in New York is already the next day in UTC: a reader (and the
    # eval's YYYY-MM-DD) expects the page's own calendar day from `extract`.
    folder = tmp_path / "site"
    folder.mkdir()
    stamp = (
        '<meta property="article:published_time" content="2024-03-01T23:30:00-05:00">'
    )
    html = page(3).replace("</head>", stamp + "</head>")
    (folder / "late.html").write_text(html, encoding="utf-8")
    assert main(["extract", "--jsonl", str(folder / "late.html")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["published"] == "2024-03-01T23:30:00-05:00"
    index_dir = tmp_path / "index"
    assert main(["index", str(folder), "--index", str(index_dir), "--quiet"]) == 0
    ix = open_or_create(index_dir)
    with ix.searcher() as searcher:
        stored = searcher.document(id="late.html")
    ix.close()
    assert stored["published_iso"] == "2024-03-02T04:30:00Z"
