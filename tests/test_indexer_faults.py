"""Faults of the disk: a full file system and a read-only index folder.

Real mounts, not a ``chmod`` (as root, a ``chmod`` does not stop writes): a small
tmpfs that fills up, and a read-only bind mount of the index folder. Each run fails
with one clear line and exit status 1, and the index keeps its last commit, readable.
The tests need the right to mount (root in the CI container); elsewhere they skip.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from indexer_pages import write_pages
from service_support import stored_ids

from search.store.writing import open_or_create


def _mount(*args: str) -> bool:
    return (
        subprocess.run(["mount", *args], capture_output=True, check=False).returncode
        == 0
    )


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 1 MB tmpfs (skips where mounting is not allowed)."""
    mnt = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)):
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        yield mnt
    finally:
        _umount(mnt)


def index(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", "index", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def ids(index_dir: Path) -> set[str]:
    ix = open_or_create(index_dir)
    try:
        return stored_ids(ix)
    finally:
        ix.close()


@pytest.mark.slow
@pytest.mark.parametrize("writers", ["1", "2"])
def test_a_full_disk_is_a_clear_error_and_the_index_keeps_its_commit(
    tmp_path, small_disk, writers
):
    first, more = tmp_path / "first", tmp_path / "more"
    write_pages(first, 3)
    write_pages(more, 600, start=100)
    ix = small_disk / "ix"
    assert index(str(first), "--index", str(ix), "--quiet").returncode == 0
    before = ids(ix)
    result = index(
        str(first), str(more), "--index", str(ix), "--writers", writers
    )  # periodic commits at their defaults
    assert result.returncode == 1
    assert "No space left on device" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert before <= ids(ix)  # still opens; the first pages are all there
    # room again: the next run completes it
    assert _mount("-o", "remount,size=256m", str(small_disk))
    again = index(str(first), str(more), "--index", str(ix), "--json")
    assert again.returncode == 0, again.stderr
    assert len(ids(ix)) == 603
    assert json.loads(again.stdout)["unchanged"] >= 3


@pytest.mark.slow
def test_a_read_only_index_folder_is_a_clear_error_and_stays_intact(tmp_path):
    pages = tmp_path / "pages"
    write_pages(pages, 3)
    ix = tmp_path / "ix"
    assert index(str(pages), "--index", str(ix), "--quiet").returncode == 0
    before = ids(ix)
    files = sorted(p.name for p in ix.iterdir())
    write_pages(pages, 5, start=10)
    if not _mount("--bind", str(ix), str(ix)):
        pytest.skip("a bind mount needs root (CAP_SYS_ADMIN)")
    try:
        assert _mount("-o", "remount,ro,bind", str(ix))
        result = index(str(pages), "--index", str(ix))
        assert result.returncode == 1
        assert "Read-only file system" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert sorted(p.name for p in ix.iterdir()) == files
    finally:
        _umount(ix)
    assert ids(ix) == before
