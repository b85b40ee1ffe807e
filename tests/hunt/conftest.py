"""A small demo environment, generated and ingested once per test session, with its ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from socpilot.api import Workspace
from socpilot.demo import DemoManifest, generate
from socpilot.hunt.ask import known_names
from socpilot.hunt.intel import import_file
from socpilot.hunt.parse import Known
from socpilot.hunt.session import open_session
from socpilot.inventory import import_inventory


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, DemoManifest]:
    out = tmp_path_factory.mktemp("hunt-demo")
    manifest = generate(out / "demo", hosts=12, days=3, events=30_000, seed=7,
                        start=datetime.fromisoformat("2026-11-24T00:00:00+00:00"), workers=1)
    ws = Workspace.open(out / "home")
    ws.ingest([manifest.raw_dir], workers=1)
    import_inventory(ws, Path(manifest.assets))
    import_inventory(ws, Path(manifest.identities))
    import_file(ws.home, Path(manifest.domains))
    return ws, manifest


@pytest.fixture(scope="session")
def demo_session(demo: tuple[Workspace, DemoManifest]) -> Iterator[tuple[duckdb.DuckDBPyConnection, Known]]:
    """One read-only hunting session over the demo, and the names in it, shared by the executed tests."""
    con = open_session(demo[0])
    yield con, known_names(con)
    con.close()


@pytest.fixture(scope="session")
def demo_now(demo: tuple[Workspace, DemoManifest]) -> datetime:
    """The morning after the attack day, so "yesterday" is the attack."""
    attack_day = datetime.fromisoformat(demo[1].facts["attack_date"] + "T00:00:00+00:00")
    return attack_day + timedelta(days=1)
