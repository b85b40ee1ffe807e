"""Detection speed: all SigmaHQ Windows rules over the OTRF atomic data and the EVTX-ATTACK-SAMPLES.

Each data set is ingested into a fresh workspace first; then the rules are compiled
once and run once (``detect``), as ``socpilot detect --rules`` would. Wall time on
a shared machine depends on the neighbours, so CPU seconds of this process (DuckDB
runs in it) are reported beside it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from socpilot.api import Workspace
from socpilot.detect.compiler import Compiled
from socpilot.detect.run import compile_rules, detect

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SOCPILOT_TEST_DATA", ROOT.parent / "shared" / "data"))
SIGMAHQ = DATA / "sigma" / "rules-sigmahq"


def _clock() -> tuple[float, float]:
    times = os.times()
    return time.perf_counter(), times.user + times.system


def _windows_only(compiled: Compiled) -> Compiled:
    return Compiled([r for r in compiled.rules if r.meta.product == "windows"], [], compiled.unsupported,
                    compiled.loaded)


def _case(name: str, inputs: list[Path], compiled: Compiled, target_s: float) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="socpilot-bench-") as home:
        ws = Workspace.open(home)
        wall0, cpu0 = _clock()
        ingested = ws.ingest(inputs)
        wall1, cpu1 = _clock()
        report = detect(ws.store, compiled=compiled)
        wall2, cpu2 = _clock()
    return [
        {"name": f"{name}: events", "value": ingested.records, "unit": "events", "target": ""},
        {"name": f"{name}: detection (wall)", "value": round(wall2 - wall1, 2), "unit": "s",
         "target": f"<= {target_s:g} s", "met": wall2 - wall1 <= target_s},
        {"name": f"{name}: detection (CPU of this process)", "value": round(cpu2 - cpu1, 2), "unit": "CPU-s",
         "target": ""},
        {"name": f"{name}: ingest + detection (wall)", "value": round(wall2 - wall0, 2), "unit": "s", "target": ""},
        {"name": f"{name}: rule evaluations skipped by the literal pre-check", "value": report.skipped,
         "unit": "rules", "target": ""},
        {"name": f"{name}: matches", "value": report.matches, "unit": "events", "target": ""},
        {"name": f"{name}: alerts", "value": report.alerts, "unit": "alerts", "target": ""},
    ]


def run() -> list[dict]:
    wall0, cpu0 = _clock()
    compiled = _windows_only(compile_rules([SIGMAHQ], include_builtin=False))
    wall1, cpu1 = _clock()
    rows = [
        {"name": "SigmaHQ rules: load and compile all 3,779 (Windows rules kept)", "value": round(wall1 - wall0, 2),
         "unit": "s", "target": ""},
        {"name": "SigmaHQ Windows rules compiled", "value": len({r.meta.id for r in compiled.rules}),
         "unit": "rules", "target": "2,872 in the snapshot"},
    ]
    rows += _case("EVTX-ATTACK-SAMPLES (277 files)", [DATA / "evtx" / "evtx-attack-samples"], compiled, 5)
    rows += _case("OTRF atomic Windows (115 zips)", [DATA / "windows-json" / "otrf" / "atomic" / "windows"],
                  compiled, 30)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
