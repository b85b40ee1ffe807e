"""OTRF LSASS campaigns 01-03: host JSON and Zeek logs of one attack become one incident joined through the host's IP.

The three campaigns go into one workspace and through detection with the built-in and
SigmaHQ Windows rules once. Each simulation ran within a quarter of an hour, so a one-hour
window keeps them apart (with the default day-long window, 01 and 02, four hours apart
and beaconing to the same C2 server, would rightly be one incident). The host clocks of
these datasets are off by hours against the Zeek sensor (19 h for 01 and 02, 7 h for 03);
the join holds because the offset is measured on the connections both recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.correlate import correlate, incident, list_incidents, stored_alerts
from socpilot.detect.run import detect
from socpilot.model.alert import Alert, alert_id
from socpilot.store.query import run_query

CAMPAIGNS = {  # host, its IP, hours the host clock is behind the sensor
    "LSASS_campaign_01": ("mkt01", "192.168.1.41", 19),
    "LSASS_campaign_02": ("acct01", "192.168.1.43", 19),
    "LSASS_campaign_03": ("prd01", "192.168.1.42", 7),
}
PAYLOAD = "%\\winx64_payload.exe"  # the Metasploit payload each campaign's metadata describes
TACTIC = {"process": "execution", "network": "command-and-control", "module": "defense-evasion"}
pytestmark = pytest.mark.slow  # three real campaigns (about 140,000 events) through ingest and 2,400 rules


@pytest.fixture(scope="module")
def lab(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.open(tmp_path_factory.mktemp("lsass"))
    ws.ingest([data / "windows-json" / "otrf" / "compound" / name for name in sorted(CAMPAIGNS)])
    detect(ws.store, [data / "sigma" / "rules-sigmahq" / "rules" / "windows"])
    return ws


def _rows(ws: Workspace, tree: exp.Expr, params: list) -> list[dict]:
    con = ws.connect()
    try:
        return run_query(con, tree, params)
    finally:
        con.close()


def _ids(ws: Workspace, source: str) -> set[str]:
    tree = exp.select("id").from_("events").where(exp.column("source").eq(exp.Placeholder()))
    return {r["id"] for r in _rows(ws, tree, [source])}


def _check_campaigns(ws: Workspace) -> None:
    """One incident per campaign host, citing its own events and the Zeek records of its IP."""
    incidents = list_incidents(ws)
    assert sorted(tuple(i.hosts) for i in incidents) == sorted((h,) for h, _, _ in CAMPAIGNS.values())
    windows, zeek = _ids(ws, "windows"), _ids(ws, "zeek")
    for case in incidents:
        host, ip, skew_hours = next(c for c in CAMPAIGNS.values() if c[0] == case.hosts[0])
        doc = incident(ws, case.id)
        assert ip in doc.host_ips[host]  # beside its IPv6 link-local address
        cited = {i for s in doc.sentences for i in s.event_ids}
        listed = {e.event_id for e in doc.timeline if e.event_id}
        assert cited & windows and listed & windows  # the host's own events
        assert cited & zeek and listed & zeek  # and the sensor's records of its IP
        assert doc.counts.network_records[host] >= 100
        assert any(s.kind == "inferred" and f"differ by {skew_hours} h" in s.text for s in doc.sentences)
        assert set(doc.evidence_ids) <= windows | zeek  # every citation is in the store


def test_detected_campaigns_are_one_incident_each_with_host_events_and_zeek_records(lab: Workspace) -> None:
    alerts = stored_alerts(lab)
    assert len(alerts) >= 30
    report = correlate(lab, window_hours=1)
    assert report.incidents == 3 and report.alerts == len(alerts)
    _check_campaigns(lab)
    assert all(i.severity in ("high", "critical") for i in list_incidents(lab))


def _payload_alerts(ws: Workspace) -> list[Alert]:
    """What an analyst would flag by hand: everything the payload ran, connected to or loaded."""
    path, parent = (exp.func("lower", exp.column(c)) for c in ("process_path", "parent_path"))
    tree = (exp.select("id", "time", "class_name", "host_name").from_("events")
            .where(exp.column("source").eq(exp.Placeholder()))
            .where(exp.or_(path.like(exp.Placeholder()), parent.like(exp.Placeholder())))
            .where(exp.column("class_name").isin(*[exp.Placeholder()] * len(TACTIC)))
            .order_by("time", "id"))
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in _rows(ws, tree, ["windows", PAYLOAD, PAYLOAD, *TACTIC]):
        groups.setdefault((row["host_name"], row["class_name"]), []).append(row)
    return [Alert(id=alert_id(f"payload-{kind}", [r["id"] for r in rows]), rule_id=f"payload-{kind}",
                  rule_title=f"Metasploit payload {kind} activity", rule_level="high", rule_source="analyst",
                  tactics=[TACTIC[kind]], first_time=rows[0]["time"], last_time=rows[-1]["time"], count=len(rows),
                  event_ids=[r["id"] for r in rows]) for (_, kind), rows in sorted(groups.items())]


def test_hand_flagged_payload_activity_joins_the_same_way(lab: Workspace) -> None:
    alerts = _payload_alerts(lab)
    assert {a.rule_id for a in alerts} >= {"payload-process", "payload-network"}
    correlate(lab, alerts, window_hours=1)
    _check_campaigns(lab)
