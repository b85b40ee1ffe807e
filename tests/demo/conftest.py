"""One small demo generated and ingested per test module: generation is the expensive part."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest

from socpilot.api import Workspace
from socpilot.demo import DemoManifest, generate

SMALL = {"hosts": 12, "days": 3, "events": 12_000, "seed": 11, "start": datetime(2026, 3, 2)}


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("demo"), **SMALL)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ingested(small_demo: DemoManifest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, object]:
    ws = Workspace.open(tmp_path_factory.mktemp("home"))
    report = ws.ingest([small_demo.raw_dir], workers=1)
    return ws, report


@pytest.fixture(scope="module")
def small_args() -> dict[str, object]:
    return dict(SMALL)


@pytest.fixture(scope="module")
def truth(small_demo: DemoManifest) -> list[dict]:
    """The ground truth records, in file order."""
    return [orjson.loads(line) for line in Path(small_demo.ground_truth).read_bytes().splitlines()]
