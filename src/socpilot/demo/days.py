"""Generation: the organisation, the scenario, then the background day by day (days in parallel).

Every day is written by one worker from its own seeded streams, so the bytes do not depend
on how many workers ran or in which order; memory stays at about one hour of events.
"""

from __future__ import annotations

import calendar
import os
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from socpilot.demo.background.cloud import CloudBackground
from socpilot.demo.background.common import Hour
from socpilot.demo.background.identity import IdentityBackground
from socpilot.demo.background.network import NetworkBackground
from socpilot.demo.background.windows import WindowsBackground
from socpilot.demo.data import load
from socpilot.demo.org import Org, build_org
from socpilot.demo.rng import stream
from socpilot.demo.scenario import Scripted
from socpilot.demo.sinks import DaySinks

SOURCES = ("windows", "zeek", "suricata", "cloudtrail", "okta")


@dataclass(frozen=True)
class DayJob:
    raw: Path
    hosts: int
    seed: int
    day: int
    day_start: float
    budget: dict[str, int]  # background events per source for the day
    scripted: tuple[Scripted, ...]


@dataclass
class DayResult:
    day: int
    written: dict[str, int] = field(default_factory=dict)
    paths: dict[str, list[Path]] = field(default_factory=dict)


@cache
def _org(hosts: int, seed: int) -> Org:
    return build_org(hosts, seed)


def start_of(start: datetime | None, days: int) -> datetime:
    """The first generated day at 00:00 UTC; by default the week leading up to today."""
    if start is None:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return today - timedelta(days=days)
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    return start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def split(total: int, weights: list[float]) -> list[int]:
    """``total`` in integer shares proportional to ``weights`` (largest remainder), summing exactly."""
    s = sum(weights) or 1.0
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]:
        out[i] += 1
    return out


def budgets(background: int, days: int, start: datetime) -> list[dict[str, int]]:
    """Background events per day and source: weekends are quieter."""
    spec = load("background")
    # Servers and automation keep going at weekends, so a whole day drops less than office hours do.
    day_w = [(0.45 if (start + timedelta(days=d)).weekday() >= 5 else 1.0) for d in range(days)]
    mix = spec["mix"]
    cells = [(d, s) for d in range(days) for s in SOURCES]
    counts = split(background, [day_w[d] * mix[s] for d, s in cells])
    out: list[dict[str, int]] = [dict.fromkeys(SOURCES, 0) for _ in range(days)]
    for (d, s), n in zip(cells, counts, strict=True):
        out[d][s] = n
    return out


def write_day(job: DayJob) -> DayResult:
    """Generate and write one day: background hour by hour, scripted records merged in by time."""
    org = _org(job.hosts, job.seed)
    spec = load("background")
    weekend = time.gmtime(int(job.day_start)).tm_wday >= 5
    win, net = WindowsBackground(org, job.seed, job.day), NetworkBackground(org)
    cloud, ident = CloudBackground(org, job.seed), IdentityBackground(org, job.seed)
    hours = spec["hours"]
    ws = [h * (spec["weekend_factor"] if weekend else 1.0) for h in hours["workstation"]]
    mixed = [a + b for a, b in zip(ws, hours["server"], strict=True)]
    per_hour = {
        "windows": split(job.budget["windows"], mixed),
        "zeek": split(job.budget["zeek"], mixed),
        "suricata": split(job.budget["suricata"], mixed),
        "cloudtrail": split(job.budget["cloudtrail"], hours["server"]),
        "okta": split(job.budget["okta"], ws),
    }
    alerts = split(min(net.alerts_today(weekend), job.budget["suricata"]), ws)
    scripted: dict[int, list[Scripted]] = defaultdict(list)
    for e in job.scripted:
        scripted[min(23, int((e.ts - job.day_start) // 3600))].append(e)
    sinks = DaySinks(job.raw, org, job.seed, job.day_start)
    try:
        for h in range(24):
            hour = Hour(job.day_start + h * 3600, h, weekend)
            rng = stream(job.seed, "hour", job.day, h)
            extra: dict[str, list[Scripted]] = defaultdict(list)
            for e in scripted.get(h, []):
                extra[e.source].append(e)
            for source in ("windows", "zeek", "suricata", "okta"):
                n = per_hour[source][h]
                if source == "windows":
                    items = win.generate(hour, rng, n)
                elif source == "zeek":
                    items = net.zeek(hour, rng, n)
                elif source == "suricata":
                    items = net.suricata(hour, rng, n, min(alerts[h], n))
                else:
                    items = [(t, "okta", line) for t, line in ident.generate(hour, rng, n)]
                items += [(e.ts, e.key, e.payload) for e in extra[source] if isinstance(e.payload, str)]
                items.sort(key=lambda i: i[0])
                sinks.lines(source, items)
            records: list[tuple[float, Any]] = cloud.generate(hour, rng, per_hour["cloudtrail"][h])
            records += [(e.ts, e.payload) for e in extra["cloudtrail"]]
            records.sort(key=lambda r: r[0])
            sinks.cloudtrail(hour.start, [r for _, r in records])
    finally:
        sinks.close()
    return DayResult(job.day, sinks.written, sinks.paths)


def run_days(raw: Path, hosts: int, seed: int, start: datetime, days: int, background: int,
             scripted: list[Scripted], workers: int | None = None) -> list[DayResult]:
    day0 = calendar.timegm(start.timetuple())
    per_day = budgets(background, days, start)
    jobs = [DayJob(raw, hosts, seed, d, float(day0 + d * 86400), per_day[d],
                   tuple(e for e in scripted if day0 + d * 86400 <= e.ts < day0 + (d + 1) * 86400))
            for d in range(days)]
    n = workers if workers is not None else (min(os.cpu_count() or 1, days) if background >= 200_000 else 1)
    if n <= 1:
        return [write_day(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=n) as pool:
        # Largest days first so both cores stay busy to the end.
        order = sorted(jobs, key=lambda j: -sum(j.budget.values()))
        results = list(pool.map(write_day, order))
    return sorted(results, key=lambda r: r.day)
