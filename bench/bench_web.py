"""Console benchmarks: server-side render time of the incident page and of the overview.

The incident page is rendered for an incident with 10,000 related sensor records (the
correlation benchmark's busy incident); the overview over a demo store generated and
ingested here, at the issue's target size of 10 million events (about 4 minutes of ingest on
two cores; ``run(events=...)`` or ``python bench/bench_web.py N`` takes a smaller size for a
quick look). Times are the median of several requests through FastAPI's TestClient, after one
warm-up request.
"""

import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from socpilot.api import Workspace
from socpilot.correlate import correlate, list_incidents
from socpilot.demo import generate
from socpilot.web import create_app

HERE = Path(__file__).resolve().parent
DEMO_EVENTS = 10_000_000
RUNS = 7


def _sibling(name: str) -> Any:
    """Another benchmark module of this folder (they are files, not a package)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def median_seconds(get: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, Any]:
    """Median wall and CPU time of ``runs`` calls after one warm-up, and the last response.

    The machine may be shared: CPU time (this process, where TestClient runs the app) says
    what a request costs whatever else runs.
    """
    response = get()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        response = get()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), response


def incident_page(tmp: Path) -> list[dict[str, Any]]:
    ws = Workspace.open(tmp)
    correlate(ws, _sibling("bench_correlate").busy_incident(ws))
    case = list_incidents(ws)[0]
    client = TestClient(create_app(tmp))
    took, cpu, response = median_seconds(lambda: client.get(f"/incidents/{case.id}"))
    assert response.status_code == 200, response.text[:200]
    return [{"name": "incident page, incident with 10,000 related sensor records", "value": took * 1000,
             "unit": "ms", "target": "< 300 ms", "met": took < 0.3},
            {"name": "incident page, CPU time", "value": cpu * 1000, "unit": "ms", "target": ""},
            {"name": "incident page size", "value": len(response.content) / 1024, "unit": "KiB", "target": ""}]


def overview_page(tmp: Path, events: int) -> list[dict[str, Any]]:
    manifest = generate(tmp / "demo", hosts=max(16, events // 25_000), days=7, events=events, seed=1,
                        start=datetime(2026, 11, 2))
    ws = Workspace.open(tmp / "home")
    started = time.perf_counter()
    report = ws.ingest([manifest.raw_dir])
    ingest = time.perf_counter() - started
    client = TestClient(create_app(ws.home))
    took, cpu, response = median_seconds(lambda: client.get("/"), runs=5)
    assert response.status_code == 200, response.text[:200]
    return [{"name": f"overview page, demo store of {report.records:,} events", "value": took * 1000, "unit": "ms",
             "target": "< 1,000 ms (on 10,000,000 events)", "met": took < 1},
            {"name": "overview page, CPU time", "value": cpu * 1000, "unit": "ms", "target": ""},
            {"name": f"(building that store: ingest of {report.records:,} events)", "value": ingest, "unit": "s",
             "target": ""}]


def run(events: int = DEMO_EVENTS) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        rows = incident_page(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        rows += overview_page(Path(tmp), events)
    return rows


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else DEMO_EVENTS):
        print(row)
