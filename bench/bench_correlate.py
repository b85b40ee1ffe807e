"""Correlation benchmarks: correlating 100,000 alerts, and ``show`` for an incident with 10,000 related events.

Synthetic but shaped like a fleet: 2,000 hosts with their own users, an updater that fires
on every host (a fleet pattern), scattered one-off alerts, and one host whose intrusion
has 10,000 network-sensor records around it.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from socpilot.api import Workspace
from socpilot.correlate import correlate, list_incidents, show
from socpilot.model.alert import Alert, alert_id
from socpilot.model.event import event_id
from socpilot.model.ocsf import EventClass
from socpilot.store.writer import PartWriter

T0 = datetime(2026, 3, 2, tzinfo=UTC)
TACTICS = ["execution", "persistence", "defense-evasion", "discovery", "credential-access", "lateral-movement"]
LEVELS = ["low", "medium", "medium", "high", "critical"]


def _event(source: str, time: datetime, cls: EventClass, **columns: Any) -> dict[str, Any]:
    raw = f"{source}|{time.isoformat()}|" + "|".join(f"{k}={v}" for k, v in sorted(columns.items()))
    return {"id": event_id(source, raw), "time": time, "source": source, "class_uid": int(cls),
            "class_name": cls.label, "raw": raw, **columns}


def _put(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    key = hashlib.blake2b(rows[0]["id"].encode() + str(len(rows)).encode(), digest_size=16).hexdigest()
    writer = PartWriter(ws.store.staging_for(key), key[:16])
    for row in rows:
        writer.add(row)
    ws.store.commit(key, f"bench-{key[:8]}", rows[0]["source"], len(rows), writer.close(), [])


def _alert(rule: str, rows: list[dict[str, Any]], level: str, tactic: str) -> Alert:
    ids = [r["id"] for r in rows]
    return Alert(id=alert_id(rule, ids), rule_id=rule, rule_title=f"Rule {rule}", rule_level=level,
                 rule_source="builtin", tactics=[tactic], first_time=rows[0]["time"], last_time=rows[-1]["time"],
                 count=len(rows), event_ids=ids)


def fleet_alerts(ws: Workspace, n_alerts: int = 100_000, n_hosts: int = 2_000) -> list[Alert]:
    """``n_alerts`` alerts over a week, each citing one process event in the store."""
    rng = random.Random(5)
    rows, alerts = [], []
    for n in range(n_alerts):
        host = rng.randrange(n_hosts)
        t = T0 + timedelta(seconds=rng.randrange(7 * 86400))
        if n % 5 == 0:  # the updater everyone runs
            cmd, rule, level, tactic = "c:\\acme\\updater.exe --check", "updater", "low", "execution"
        else:
            cmd = f"tool{rng.randrange(50_000)}.exe /x {rng.randrange(10**6)}"
            rule, level, tactic = f"r{rng.randrange(400)}", rng.choice(LEVELS), rng.choice(TACTICS)
        row = _event("windows", t, EventClass.PROCESS, host_name=f"WS{host:05d}.corp.local",
                     user_name=f"CORP\\user{host}", process_cmd=cmd, process_name=cmd.split()[0],
                     src_ip=f"10.{host // 250}.{host % 250}.10")
        rows.append(row)
        alerts.append(_alert(rule, [row], level, tactic))
    _put(ws, rows)
    return alerts


def busy_incident(ws: Workspace, n_records: int = 10_000) -> list[Alert]:
    """One host's intrusion with ``n_records`` sensor records of its IP in the incident window."""
    ip = "10.99.0.5"
    host = [_event("windows", T0 + timedelta(minutes=m), EventClass.NETWORK, host_name="VICTIM01", src_ip=ip,
                   src_port=40000 + m, dst_ip="203.0.113.9", dst_port=443, fields={"Initiated": "true"})
            for m in range(60)]
    proc = [_event("windows", T0 + timedelta(minutes=m), EventClass.PROCESS, host_name="VICTIM01",
                   user_name="CORP\\victim", process_cmd=f"stage{m}.exe") for m in range(0, 60, 10)]
    sensor = [_event("zeek", T0 + timedelta(seconds=n * 60 * 60 / n_records), EventClass.NETWORK, src_ip=ip,
                     src_port=50000 + n % 10000, dst_ip=f"198.51.{n % 200}.{n % 250}", dst_port=443,
                     protocol="tcp") for n in range(n_records)]
    _put(ws, host + proc)
    _put(ws, sensor)
    return [_alert(f"stage{i}", [row], "high", TACTICS[i]) for i, row in enumerate(proc)] + \
        [_alert("beacon", host, "medium", "command-and-control")]


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(tmp)
        alerts = fleet_alerts(ws)
        started, cpu = time.perf_counter(), time.process_time()
        report = correlate(ws, alerts)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows.append({"name": f"correlate {len(alerts):,} alerts (2,000 hosts, stored)", "value": took, "unit": "s",
                     "target": "< 30 s", "met": took < 30})
        # The machine may be shared: CPU time says what the work costs whatever else runs.
        rows.append({"name": "correlate, CPU time of this process", "value": cpu, "unit": "s", "target": ""})
        rows.append({"name": "incidents / fleet patterns from them", "value": f"{report.incidents:,} / {report.patterns}",
                     "unit": "", "target": ""})
        rows.append({"name": "alerts per second", "value": len(alerts) / took, "unit": "alerts/s", "target": ""})
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(tmp)
        correlate(ws, busy_incident(ws))
        case = list_incidents(ws)[0]
        timings = []
        for fmt in ("text", "html"):
            started, cpu = time.perf_counter(), time.process_time()
            show(ws, case.id, fmt)
            timings.append((fmt, time.perf_counter() - started, time.process_time() - cpu))
        for fmt, took, cpu in timings:
            rows.append({"name": f"show --format {fmt}, incident with 10,000 related sensor records", "value": took,
                         "unit": "s", "target": "< 1 s", "met": took < 1})
            rows.append({"name": f"show --format {fmt}, CPU time", "value": cpu, "unit": "s", "target": ""})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
