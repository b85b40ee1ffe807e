"""OTRF LSASS campaigns: host JSON and Zeek logs of one attack become one incident joined through the host's IP.

The host clocks of these datasets are off by hours against the Zeek sensor (19 h for
campaigns 01 and 02, 7 h for 03); the join holds because the offset is measured on the
connections both recorded. Alerts here are what an analyst would flag from the
campaign's metadata: everything the downloaded Metasploit payload ran or connected to.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.correlate import correlate, incident, list_incidents
from socpilot.model.alert import Alert, alert_id
from socpilot.store.query import run_query

CAMPAIGNS = {
    "LSASS_campaign_01": ("mkt01", "192.168.1.41", 19),
    "LSASS_campaign_02": ("acct01", "192.168.1.43", 19),
    "LSASS_campaign_03": ("prd01", "192.168.1.42", 7),
}
PAYLOAD = "%\\winx64_payload.exe"  # the Metasploit payload each campaign's metadata describes
pytestmark = pytest.mark.slow  # reads three real campaigns (about 140,000 events)
TACTIC = {"process": "execution", "network": "command-and-control", "module": "defense-evasion"}


@pytest.fixture(scope="module", params=sorted(CAMPAIGNS))
def campaign(request: pytest.FixtureRequest, data: Path, tmp_path_factory: pytest.TempPathFactory):
    ws = Workspace.open(tmp_path_factory.mktemp(request.param))
    ws.ingest([data / "windows-json" / "otrf" / "compound" / request.param])
    return request.param, ws


def _rows(ws: Workspace, tree: exp.Expression, params: list) -> list[dict]:
    con = ws.connect()
    try:
        return run_query(con, tree, params)
    finally:
        con.close()


def _payload_alerts(ws: Workspace) -> list[Alert]:
    """One alert per kind of thing the payload did (ran, connected, loaded), citing those events."""
    path = exp.func("lower", exp.column("process_path"))
    parent = exp.func("lower", exp.column("parent_path"))
    tree = (exp.select("id", "time", "class_name").from_("events")
            .where(exp.column("source").eq(exp.Placeholder()))
            .where(exp.or_(path.like(exp.Placeholder()), parent.like(exp.Placeholder())))
            .where(exp.column("class_name").isin(*[exp.Placeholder()] * len(TACTIC)))
            .order_by("time", "id"))
    by_kind: dict[str, list[dict]] = {}
    for row in _rows(ws, tree, ["windows", PAYLOAD, PAYLOAD, *TACTIC]):
        by_kind.setdefault(row["class_name"], []).append(row)
    return [Alert(id=alert_id(f"payload-{kind}", [r["id"] for r in rows]), rule_id=f"payload-{kind}",
                  rule_title=f"Metasploit payload {kind} activity", rule_level="high", rule_source="analyst",
                  tactics=[TACTIC[kind]], first_time=rows[0]["time"], last_time=rows[-1]["time"], count=len(rows),
                  event_ids=[r["id"] for r in rows]) for kind, rows in sorted(by_kind.items())]


def _ids(ws: Workspace, source: str) -> set[str]:
    tree = exp.select("id").from_("events").where(exp.column("source").eq(exp.Placeholder()))
    return {r["id"] for r in _rows(ws, tree, [source])}


def test_each_campaign_is_one_incident_with_host_events_and_zeek_records(campaign) -> None:
    name, ws = campaign
    host, ip, skew_hours = CAMPAIGNS[name]
    alerts = _payload_alerts(ws)
    assert {a.rule_id for a in alerts} >= {"payload-process", "payload-network"}
    correlate(ws, alerts)
    [case] = list_incidents(ws)
    doc = incident(ws, case.id)
    assert case.hosts == [host] and doc.host_ips == {host: [ip]}
    windows, zeek = _ids(ws, "windows"), _ids(ws, "zeek")
    cited = {i for s in doc.sentences for i in s.event_ids}
    listed = {e.event_id for e in doc.timeline if e.event_id}
    assert cited & windows and listed & windows  # the host's own events
    assert cited & zeek and listed & zeek  # and the sensor's records of its IP
    assert doc.counts.network_records[host] >= 100
    assert any(s.kind == "inferred" and f"differ by {skew_hours} h" in s.text for s in doc.sentences)
    assert any("10.0.5.13" in s.text for s in doc.sentences)  # the payload's C2, seen by both
    assert set(doc.evidence_ids) <= windows | zeek
