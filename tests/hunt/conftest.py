"""A small demo environment, generated and ingested once per test session, with its ground truth."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from socpilot.api import Workspace
from socpilot.demo import DemoManifest, generate
from socpilot.hunt.ask import known_names
from socpilot.hunt.intel import import_file
from socpilot.hunt.parse import Known
from socpilot.hunt.session import open_session
from socpilot.inventory import import_inventory
from socpilot.model.event import event_id
from socpilot.store.writer import PartWriter


def _write_events(ws: Workspace, key: str, rows: list[dict[str, Any]]) -> Workspace:
    writer = PartWriter(ws.store.staging_for(key), key)
    for i, row in enumerate(rows):
        raw = f"{key}-{i}"
        writer.add({"id": event_id(row.get("source", "windows"), raw), "source": "windows", "raw": raw, **row})
    ws.store.commit(key, f"{key}.jsonl", "windows", len(rows), writer.close(), [])
    return ws


@pytest.fixture
def write_events() -> Callable[[Workspace, str, list[dict[str, Any]]], Workspace]:
    """Commit synthetic events to a workspace's store as one input, the way the ingest pipeline does."""
    return _write_events


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
