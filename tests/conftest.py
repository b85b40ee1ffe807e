"""Shared fixtures: where the real test data lives, and a fresh workspace per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from socpilot.api import Workspace

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SOCPILOT_TEST_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data() -> Path:
    if not DATA.exists():
        pytest.fail(f"test data not found at {DATA}; set SOCPILOT_TEST_DATA")
    return DATA


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "home")
