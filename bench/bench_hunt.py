"""Plain-English hunting: parse time per question, and question latency over a demo data set.

``run(events=...)`` takes a smaller size for a quick look; the issue's latency target is on
the demo's 10-million-event data set (p50 <= 1 s, p95 <= 3 s, parse < 50 ms).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from socpilot.api import Workspace
from socpilot.demo import generate
from socpilot.hunt.ask import ask, known_names
from socpilot.hunt.intel import import_file
from socpilot.hunt.parse import parse_question
from socpilot.hunt.session import open_session
from socpilot.inventory import import_inventory

TESTS = Path(__file__).resolve().parent.parent / "tests" / "hunt"
TARGET_EVENTS = 10_000_000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(events: int = TARGET_EVENTS, hosts: int = 200, days: int = 7) -> list[dict]:
    golden = yaml.safe_load((TESTS / "golden_questions.yaml").read_text(encoding="utf-8"))
    executed = yaml.safe_load((TESTS / "executed_questions.yaml").read_text(encoding="utf-8"))
    parse_ms = []
    for case in golden:
        started = time.perf_counter()
        parse_question(case["question"])
        parse_ms.append((time.perf_counter() - started) * 1000)

    out = Path(tempfile.mkdtemp(prefix="socpilot-bench-hunt-"))
    try:
        manifest = generate(out / "demo", hosts=hosts, days=days, events=events, seed=1,
                            start=datetime.fromisoformat("2026-11-02T00:00:00+00:00"))
        ws = Workspace.open(out / "home")
        started = time.perf_counter()
        ws.ingest([manifest.raw_dir])
        ingest_s = time.perf_counter() - started
        import_inventory(ws, Path(manifest.assets))
        import_inventory(ws, Path(manifest.identities))
        import_file(ws.home, Path(manifest.domains))
        now = datetime.fromisoformat(manifest.facts["attack_date"] + "T00:00:00+00:00") + timedelta(days=1)
        started = time.perf_counter()
        con = open_session(ws)
        known = known_names(con)
        setup_s = time.perf_counter() - started
        latencies = []
        for case in executed:
            started = time.perf_counter()
            ask(ws, case["question"].format(**manifest.facts), now=now, con=con, known=known)
            latencies.append(time.perf_counter() - started)
        con.close()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    scale = f"{manifest.events:,} events, {hosts} hosts, {days} days"
    p50, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
    return [
        {"name": f"parse time per question, mean of {len(parse_ms)}", "value": statistics.mean(parse_ms),
         "unit": "ms", "target": "< 50", "met": statistics.mean(parse_ms) < 50},
        {"name": "parse time per question, p95", "value": _percentile(parse_ms, 0.95), "unit": "ms",
         "target": "< 50", "met": _percentile(parse_ms, 0.95) < 50},
        {"name": f"ingest of the hunt data set ({scale})", "value": ingest_s, "unit": "s", "target": ""},
        {"name": "session open and store names read", "value": setup_s, "unit": "s", "target": ""},
        {"name": f"question latency p50 over {len(latencies)} questions ({scale})", "value": p50, "unit": "s",
         "target": "<= 1 (10M events)", "met": p50 <= 1},
        {"name": f"question latency p95 over {len(latencies)} questions ({scale})", "value": p95, "unit": "s",
         "target": "<= 3 (10M events)", "met": p95 <= 3},
    ]


if __name__ == "__main__":
    import sys
    for row in run(events=int(sys.argv[1]) if len(sys.argv) > 1 else TARGET_EVENTS):
        print(row)
