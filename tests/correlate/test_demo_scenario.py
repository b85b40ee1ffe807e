"""The demo's labelled attack lands in one top incident; benign background stays below high severity.

First with alerts on the ground truth's own events (what perfect detection would flag), so
correlation alone is tested: the seven stages span a workstation, a file server, Okta and
CloudTrail, joined by host IPs, the stolen admin account's owner and the C2 domain, and a
chatty rule fires on ordinary process starts everywhere. Then with the built-in rules'
real alerts.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.correlate import alerts_of, correlate, incident, list_incidents, stored_alerts
from socpilot.demo import DemoManifest, generate
from socpilot.detect.run import detect
from socpilot.model.alert import Alert, alert_id
from socpilot.model.ocsf import EventClass
from socpilot.store.query import run_query

pytestmark = pytest.mark.slow  # generates and ingests a small demo (about 12,000 records)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, Workspace]:
    manifest = generate(tmp_path_factory.mktemp("demo"), hosts=12, days=3, events=12_000, seed=11,
                        start=datetime(2026, 3, 2))
    ws = Workspace.open(tmp_path_factory.mktemp("home"))
    ws.ingest([manifest.raw_dir], workers=1)
    return manifest, ws


def _truth(manifest: DemoManifest) -> list[dict]:
    return [orjson.loads(line) for line in Path(manifest.ground_truth).read_bytes().splitlines() if line]


def _times(ws: Workspace, ids: list[str]) -> dict[str, datetime]:
    con = ws.connect()
    try:
        tree = (exp.select("id", "time").from_("events")
                .where(exp.column("id").isin(*[exp.Placeholder()] * len(ids))))
        return {r["id"]: r["time"] for r in run_query(con, tree, ids)}
    finally:
        con.close()


def _attack_alerts(manifest: DemoManifest, ws: Workspace) -> list[Alert]:
    """One alert per stage and technique, citing the ground truth's events."""
    tactic = {s["stage"]: s["tactic"] for s in manifest.facts["stages"]}
    groups: dict[tuple[int, str], list[str]] = {}
    for t in _truth(manifest):
        groups.setdefault((t["stage"], t["technique"]), []).append(t["id"])
    times = _times(ws, [i for ids in groups.values() for i in ids])
    alerts = []
    for (stage, technique), ids in sorted(groups.items()):
        ids = [i for i in ids if i in times]
        alerts.append(Alert(id=alert_id(f"truth-{technique}", ids), rule_id=f"truth-{technique}",
                            rule_title=f"Stage {stage}: {technique}", rule_level="high", techniques=[technique],
                            tactics=[tactic[stage]], first_time=min(times[i] for i in ids),
                            last_time=max(times[i] for i in ids), count=len(ids), event_ids=ids))
    return alerts


def _noise(manifest: DemoManifest, ws: Workspace) -> list[Alert]:
    """A chatty medium rule on 300 ordinary process starts across the fleet (none of them the attack's)."""
    attack = {t["id"] for t in _truth(manifest)}
    con = ws.connect()
    try:
        tree = (exp.select("id", "time").from_("events").where(exp.column("class_uid").eq(exp.Placeholder()))
                .order_by("id"))
        rows = [r for r in run_query(con, tree, [int(EventClass.PROCESS)]) if r["id"] not in attack]
    finally:
        con.close()
    picked = random.Random(3).sample(rows, 300)
    return [Alert(id=alert_id("chatty", [r["id"]]), rule_id="chatty", rule_title="Unusual process start",
                  rule_level="medium", tactics=["execution"], first_time=r["time"], last_time=r["time"],
                  event_ids=[r["id"]]) for r in picked]


def test_the_attack_lands_in_one_top_incident_and_noise_stays_low(demo) -> None:
    manifest, ws = demo
    attack = _attack_alerts(manifest, ws)
    correlate(ws, attack + _noise(manifest, ws), inventory=[manifest.assets, manifest.identities])
    incidents = list_incidents(ws)
    top = incidents[0]
    stage_of = {t["id"]: t["stage"] for t in _truth(manifest)}
    stages = {stage_of[e] for a in alerts_of(ws, top.id) for e in a.event_ids if e in stage_of}
    assert stages == {1, 2, 3, 4, 5, 6, 7}
    assert set(top.alert_ids) >= {a.id for a in attack}
    assert top.severity == "critical"
    facts = manifest.facts
    assert {facts["victim_host"].lower(), facts["lateral_target"].lower()} <= set(top.hosts)
    assert facts["victim"] in top.users and facts["admin"] in top.users
    rest = [i for i in incidents[1:] if not set(i.alert_ids) & {a.id for a in attack}]
    assert rest and all(i.severity not in ("high", "critical") for i in rest)
    doc = incident(ws, top.id)
    texts = " ".join(s.text for s in doc.sentences)
    assert f"{facts['c2_ip']} is {facts['c2_domain']}" in texts
    assert f"Activity on {facts['lateral_target'].lower()} came from {facts['victim_host'].lower()}" in texts


def test_detected_attack_stages_land_in_the_top_incident_and_background_stays_below_high(demo) -> None:
    manifest, ws = demo
    detect(ws.store)  # the built-in rules
    alerts = stored_alerts(ws)
    correlate(ws, inventory=[manifest.assets, manifest.identities])
    stage_of = {t["id"]: t["stage"] for t in _truth(manifest)}
    detected = {stage_of[e] for a in alerts for e in a.event_ids if e in stage_of}
    top, *rest = list_incidents(ws)
    in_top = {stage_of[e] for a in alerts_of(ws, top.id) for e in a.event_ids if e in stage_of}
    assert len(detected) >= 5 and in_top == detected  # every stage detection saw is in the one top incident
    assert top.severity == "critical"
    assert rest and all(i.severity not in ("high", "critical") for i in rest)
