"""The OpenAPI document is the exact contract: Schemathesis finds nothing against it.

``st run --checks all`` generates requests from ``/openapi.json`` (valid ones, which
must be accepted and answered as documented, and invalid ones, which must be refused)
and sends them to a live waitress process over a copy of the example index, once with
the write key and once without. The only exclusions are the refusals that OpenAPI
cannot express, named in ``schemathesis.toml`` and matched exactly by
``tests/schemathesis_hooks.py``. Each run is bounded in time (``--max-time``) and
talks to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from service_support import API_KEY, ROOT, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ST = Path(sys.executable).with_name("st")
#: Seconds of generated requests per run (the whole test stays near a minute).
BUDGET_S = 25


@pytest.fixture(scope="module")
def server(tmp_path_factory, examples_index):
    index = tmp_path_factory.mktemp("contract") / "index"
    shutil.copytree(examples_index, index)
    srv = start_server(
        {"ANALYSIS_SEARCH_INDEX": str(index), "ANALYSIS_SEARCH_API_KEY": API_KEY},
        tmp_path_factory.mktemp("contract-logs"),
    )
    yield srv
    log = srv.stop()
    assert "Traceback" not in log, log[-3000:]


def run_schemathesis(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    return subprocess.run(
        [
            str(ST),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--max-time",
            str(BUDGET_S),
            "--max-examples",
            "60",
            "--request-timeout",
            "20",
            *extra,
        ],
        cwd=ROOT,  # schemathesis.toml and its hooks
        env=env,
        capture_output=True,
        text=True,
        timeout=BUDGET_S * 4 + 60,
        check=False,
    )


def assert_clean(run: subprocess.CompletedProcess[str]) -> str:
    out = run.stdout + run.stderr
    tail = out[-6000:]
    assert run.returncode == 0, tail
    assert "Schema Error" not in out, tail
    summary = out.split("SUMMARY")[-1]
    assert "Failures:" not in summary and "Errors:" not in summary, tail
    assert " passed" in summary, tail
    return out


def test_schemathesis_with_the_write_key_finds_nothing(server):
    out = assert_clean(
        run_schemathesis(server.url, "-H", f"Authorization: Bearer {API_KEY}")
    )
    # the writes were exercised for real, not refused as unauthorised
    assert "Authentication failed" not in out, out[-3000:]


def test_schemathesis_without_the_key_finds_nothing(server):
    log_before = server.log.read_text("utf-8", "replace")
    assert_clean(run_schemathesis(server.url))
    run_log = server.log.read_text("utf-8", "replace")[len(log_before) :]
    writes = [
        line.split()[-2]
        for line in run_log.splitlines()
        if "search.access: PUT " in line or "search.access: DELETE " in line
    ]
    # the writes were tried, and every one was refused: 401 (no key, a wrong key),
    # 429 (too many wrong keys), 405 (a write on a read route such as /related)
    assert writes and set(writes) <= {"401", "405", "429"}, sorted(set(writes))
    assert "401" in writes
