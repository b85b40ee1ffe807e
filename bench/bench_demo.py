"""Demo generation at scale: how long 10 million events take, and how much memory it needs.

``run(events=...)`` accepts a smaller size for a quick look; ``make bench`` uses the 10M target.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from socpilot.demo import generate

TARGET_EVENTS = 10_000_000
TARGET_SECONDS = 300


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux; the day writers run in child processes.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run(events: int = TARGET_EVENTS, hosts: int = 200, days: int = 7) -> list[dict]:
    out = Path(tempfile.mkdtemp(prefix="socpilot-bench-demo-"))
    try:
        started, cpu = time.perf_counter(), _cpu_seconds()
        manifest = generate(out, hosts=hosts, days=days, events=events, seed=1, start=datetime(2026, 11, 2))
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    scale = f"{events:,} events, {hosts} hosts, {days} days"
    return [
        {"name": f"generate {scale}", "value": seconds, "unit": "s",
         "target": f"< {TARGET_SECONDS * events / TARGET_EVENTS:.0f} s", "met": seconds < TARGET_SECONDS * events / TARGET_EVENTS},
        {"name": "generation rate", "value": manifest.events / seconds, "unit": "events/s",
         "target": f"> {TARGET_EVENTS / TARGET_SECONDS:,.0f}"},
        # Wall time depends on what else the machine runs; CPU time says what two idle cores would take.
        {"name": "CPU time (all processes)", "value": cpu, "unit": "s",
         "target": f"< {2 * TARGET_SECONDS * events / TARGET_EVENTS:.0f} s (two cores)"},
        {"name": "peak resident memory (largest process)", "value": _peak_rss_mib(), "unit": "MiB",
         "target": "bounded (one hour of events per worker)"},
        {"name": "bytes written", "value": size / 2**20, "unit": "MiB", "target": ""},
        {"name": "attack events in ground truth", "value": manifest.attack_events, "unit": "events", "target": ""},
    ]


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else TARGET_EVENTS
    for row in run(size):
        print(row)
