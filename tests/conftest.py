"""Shared pytest fixtures: paths of the project's corpus and fixture data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
DATA = Path(__file__).resolve().parent / "data"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled example articles."""
    return EXAMPLES
