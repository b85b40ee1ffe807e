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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo environment through every stage this build has (generate, ingest, inventory,
    detect, correlate), small and fixed in time; once per test worker."""
    from datetime import datetime

    from socpilot.demo.run import run_demo
    from socpilot.hunt.intel import import_file

    home = tmp_path_factory.mktemp("demo-run") / "home"
    run = run_demo(home, hosts=16, days=4, events=40_000, seed=7,
                   start=datetime.fromisoformat("2026-11-23T00:00:00+00:00"))
    import_file(home, Path(run.manifest.domains))
    return run


@pytest.fixture(scope="session")
def demo_ws(demo_run) -> Workspace:  # type: ignore[no-untyped-def]
    return Workspace.open(demo_run.manifest.out_dir.parent)
