"""Sigma correlation rules over base-rule matches, incremental runs, and sensor findings as alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socpilot.detect.alerts import load_alerts
from socpilot.detect.run import compile_rules, detect

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

BASE = """\
title: Okta sign-in failed
id: 0a000000-0000-4000-8000-000000000001
name: failed
status: test
logsource: {product: okta, service: okta}
detection:
  selection: {eventType: user.session.start, outcome.result: FAILURE}
  condition: selection
level: low
---
title: Okta sign-in succeeded
id: 0a000000-0000-4000-8000-000000000002
name: succeeded
status: test
logsource: {product: okta, service: okta}
detection:
  selection: {eventType: user.session.start, outcome.result: SUCCESS}
  condition: selection
level: low
"""

CORRELATIONS = {
    "event_count": "type: event_count\n  rules: [failed]\n  group-by: [actor.alternateId]\n  timespan: 10m\n"
                   "  condition: {gte: 3}",
    "value_count": "type: value_count\n  rules: [failed]\n  group-by: [client.ipAddress]\n  timespan: 10m\n"
                   "  condition: {gte: 3, field: actor.alternateId}",
    "temporal": "type: temporal\n  rules: [failed, succeeded]\n  group-by: [actor.alternateId]\n  timespan: 10m",
    "temporal_ordered": "type: temporal_ordered\n  rules: [succeeded, failed]\n  group-by: [actor.alternateId]\n"
                        "  timespan: 10m",
}


def _okta(minute: float, user: str, result: str, ip: str = "203.0.113.50") -> dict[str, Any]:
    when = T0 + timedelta(minutes=minute)
    return {"uuid": f"{user}-{minute}-{result}", "published": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "eventType": "user.session.start", "displayMessage": "User login to Okta", "severity": "INFO",
            "actor": {"alternateId": user, "type": "User", "displayName": user, "id": "00u" + user},
            "client": {"ipAddress": ip, "geographicalContext": {"country": "United States"}},
            "outcome": {"result": result}, "version": "0"}


# alice: 3 failures in 4 minutes then a success; bob: 1 failure; carol and dave fail once from alice's address;
# erin: a success then, 30 minutes later, a failure (outside every timespan).
RECORDS = [
    _okta(0, "alice", "FAILURE"), _okta(2, "alice", "FAILURE"), _okta(4, "alice", "FAILURE"),
    _okta(5, "alice", "SUCCESS"), _okta(1, "bob", "FAILURE", ip="198.51.100.1"),
    _okta(3, "carol", "FAILURE"), _okta(6, "dave", "FAILURE"),
    _okta(0, "erin", "SUCCESS", ip="198.51.100.2"), _okta(30, "erin", "FAILURE", ip="198.51.100.2"),
]
EXPECTED = {  # group key -> users whose events are the evidence
    "event_count": {"actor.alternateId=alice": {"alice"}},
    "value_count": {"client.ipAddress=203.0.113.50": {"alice", "carol", "dave"}},  # the whole window is evidence
    "temporal": {"actor.alternateId=alice": {"alice"}},
    "temporal_ordered": {},
}


def _rules(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "base.yml").write_text(BASE)
    (folder / "correlation.yml").write_text(
        "title: Correlation under test\nid: 0a000000-0000-4000-8000-0000000000ff\nstatus: test\nauthor: tester\n"
        f"correlation:\n  {CORRELATIONS[kind]}\nlevel: high\n")
    return folder


@pytest.mark.parametrize("kind", sorted(CORRELATIONS))
def test_correlation_types(kind, tmp_path, store_of):
    compiled = compile_rules([_rules(tmp_path, kind)], include_builtin=False)
    assert compiled.unsupported == [] and len(compiled.correlations) == 1
    referenced = {r.meta.id for r in compiled.rules if not r.meta.generate}  # generate defaults to false
    assert "0a000000-0000-4000-8000-000000000001" in referenced
    ws = store_of("okta", RECORDS)
    detect(ws.store, compiled=compiled)
    with ws.connect() as con:
        user_of = dict(con.execute("SELECT id, fields['actor.alternateId'] FROM events").fetchall())
    with ws.store.catalog(read_only=True) as cat:
        found = load_alerts(cat)
    assert not {a.rule_id for a in found} & referenced
    correlated = [a for a in found if a.rule_id == "0a000000-0000-4000-8000-0000000000ff"]
    assert {a.group_key: {user_of[e] for e in a.event_ids} for a in correlated} == EXPECTED[kind]


def test_temporal_ordered_needs_the_order(tmp_path, store_of):
    compiled = compile_rules([_rules(tmp_path, "temporal_ordered")], include_builtin=False)
    ws = store_of("okta", [_okta(0, "frank", "SUCCESS"), _okta(3, "frank", "FAILURE")])
    detect(ws.store, compiled=compiled)
    with ws.store.catalog(read_only=True) as cat:
        assert [a.group_key for a in load_alerts(cat)] == ["actor.alternateId=frank"]


def test_rerun_scans_only_new_parts_and_keeps_alert_ids(tmp_path, store_of):
    compiled = compile_rules([_rules(tmp_path, "event_count")], include_builtin=False)
    ws = store_of("okta", RECORDS[:2])
    first = detect(ws.store, compiled=compiled)
    assert first.parts_scanned == 1 and first.alerts == 0
    again = detect(ws.store, compiled=compiled)
    assert again.parts_scanned == 0 and again.rows_scanned == 0
    more = tmp_path / "more.json"
    more.write_text(__import__("orjson").dumps(RECORDS[2]).decode() + "\n")
    ws.ingest([more], workers=1)
    third = detect(ws.store, compiled=compiled)  # the window spans both inputs: matches are kept across runs
    assert third.parts_scanned == 1 and third.alerts == 1
    with ws.store.catalog(read_only=True) as cat:
        ids = [a.id for a in load_alerts(cat)]
    detect(ws.store, compiled=compiled, rescan=True)
    with ws.store.catalog(read_only=True) as cat:
        assert [a.id for a in load_alerts(cat)] == ids


def test_suricata_alerts_become_sensor_alerts(data, workspace):
    workspace.ingest([data / "suricata" / "hassanabad-suricata-sample-data"], workers=1)
    report = detect(workspace.store, compiled=compile_rules([], include_builtin=False))
    with workspace.store.catalog(read_only=True) as cat:
        found = load_alerts(cat)
    sensor = [a for a in found if a.rule_source == "sensor"]
    assert report.alerts == len(found) == len(sensor) > 100
    assert sum(a.count for a in sensor) == 548  # one EVE alert per signature in this data set
    assert all(a.event_ids and a.rule_id.startswith("suricata:") for a in sensor)
    assert any(e.kind == "ip" for a in sensor for e in a.entities)
