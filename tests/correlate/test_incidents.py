"""Alerts group into incidents through shared entities in a window; ids are stable; merges are recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socpilot.correlate import alerts_of, correlate, incident, list_incidents, set_status
from socpilot.correlate.graph import AlertNode, EntityGraph
from socpilot.correlate.risk import RiskContext, score
from socpilot.correlate.settings import load_settings
from socpilot.model.alert import Entity
from socpilot.model.ocsf import EventClass as C


def _proc(b, host: str, t, user: str = "CORP\\bob", cmd: str = "whoami") -> dict:
    return b.event("windows", t, C.PROCESS, host_name=host, user_name=user, process_cmd=cmd,
                      process_name=cmd.split()[0])


def test_alerts_on_one_host_within_the_window_are_one_incident(b, workspace, put_events) -> None:
    ev = put_events([_proc(b, "WS1", b.t0), _proc(b, "WS1", b.t0 + b.minutes(30), cmd="net group"),
                     _proc(b, "WS1", b.t0 + timedelta(days=3), cmd="nltest /dclist")])
    alerts = [b.alert(f"r{i}", [e]) for i, e in enumerate(ev)]
    report = correlate(workspace, alerts, window_hours=4)
    incidents = list_incidents(workspace)
    assert report.incidents == 2
    assert sorted(i.alert_count for i in incidents) == [1, 2]
    assert {tuple(i.hosts) for i in incidents} == {("ws1",)}


def test_a_shared_user_joins_two_hosts_but_a_hub_joins_nothing(b) -> None:
    settings = load_settings()
    nodes = []
    for n in range(12):  # a DNS server every host talks to
        alert = b.alert(f"r{n}", [_proc(b, f"WS{n}", b.t0 + b.minutes(n))])
        nodes.append(AlertNode(alert, frozenset({Entity(kind="ip", value="10.0.0.1")}), frozenset({f"ws{n}"})))
    alice = [b.alert(f"a{n}", [_proc(b, f"SRV{n}", b.t0 + b.minutes(n), user="CORP\\alice")]) for n in range(2)]
    nodes += [AlertNode(a, frozenset({Entity(kind="user", value="alice")}), frozenset({f"srv{n}"}))
              for n, a in enumerate(alice)]
    graph = EntityGraph(nodes)
    hubs = graph.hubs(settings.hub_max_hosts, settings.hub_max_hosts)
    groups = graph.components(timedelta(hours=settings.window_hours), hubs)
    assert Entity(kind="ip", value="10.0.0.1") in hubs
    assert sorted(len(g) for g in groups) == [1] * 12 + [2]


def test_ids_are_stable_and_growing_together_merges_into_the_older_incident(b, workspace, put_events) -> None:
    ev = put_events([_proc(b, "WS1", b.t0, user="CORP\\carol"), _proc(b, "SRV1", b.t0 + b.minutes(60), user="CORP\\dave"),
                     _proc(b, "SRV1", b.t0 + b.minutes(90), user="CORP\\carol", cmd="psexec \\\\srv1 cmd")])
    first = [b.alert("r1", ev[:1], tactics=["execution"]), b.alert("r2", ev[1:2], tactics=["discovery"])]
    correlate(workspace, first)
    before = {i.alert_ids[0]: i.id for i in list_incidents(workspace)}
    assert len(before) == 2

    correlate(workspace, first)  # a re-run over the same alerts changes nothing
    assert {i.alert_ids[0]: i.id for i in list_incidents(workspace)} == before

    set_status(workspace, before[first[1].id], "investigating")
    bridge = b.alert("r3", ev[2:], "high", tactics=["lateral-movement"])  # carol on SRV1: joins both
    report = correlate(workspace, [*first, bridge])
    [merged] = list_incidents(workspace)
    older, newer = before[first[0].id], before[first[1].id]
    assert merged.id == older  # the older incident keeps its id
    assert merged.merged_from == [newer] and report.merged == [newer]
    assert merged.alert_count == 3 and merged.tactics == ["execution", "discovery", "lateral-movement"]
    assert incident(workspace, newer).incident_id == older  # the old id still leads to the case
    assert [a.id for a in alerts_of(workspace, newer)] == [first[0].id, first[1].id, bridge.id]


def test_status_survives_reruns_and_closed_cases_reopen_on_new_activity(b, workspace, put_events) -> None:
    ev = put_events([_proc(b, "WS7", b.t0), _proc(b, "WS7", b.t0 + b.minutes(20), cmd="net user")])
    one = b.alert("r1", ev[:1])
    correlate(workspace, [one])
    [case] = list_incidents(workspace)
    set_status(workspace, case.id, "closed")
    correlate(workspace, [one])
    assert list_incidents(workspace)[0].status == "closed"
    correlate(workspace, [one, b.alert("r2", ev[1:])])
    reopened = list_incidents(workspace)[0]
    assert (reopened.id, reopened.status) == (case.id, "new")
    with pytest.raises(ValueError):
        set_status(workspace, case.id, "resolved-by-magic")


def test_a_kill_chain_outranks_many_alerts_of_one_tactic(b) -> None:
    settings = load_settings()
    ctx = RiskContext(rule_hosts={}, fleet_size=100)
    chain = ["initial-access", "execution", "credential-access", "lateral-movement", "exfiltration"]
    progression = [b.alert(f"c{n}", [_proc(b, "WS1", b.t0 + b.minutes(n))], "medium", [t]) for n, t in enumerate(chain)]
    one_tactic = [b.alert(f"d{n}", [_proc(b, "WS2", b.t0 + b.minutes(n))], "medium", ["discovery"]) for n in range(40)]
    chain_risk, chain_parts = score(progression, ["ws1"], ctx, settings)
    flat_risk, flat_parts = score(one_tactic, ["ws2"], ctx, settings)
    assert chain_risk > flat_risk
    assert flat_parts["progression"] == 0 and chain_parts["progression"] > 0.7


def test_rules_firing_across_the_fleet_score_lower_than_rare_ones(b) -> None:
    settings = load_settings()
    alert = b.alert("r", [_proc(b, "WS1", b.t0)], "high", ["execution"])
    rare, _ = score([alert], ["ws1"], RiskContext({"r": 1}, 50), settings)
    common, parts = score([alert], ["ws1"], RiskContext({"r": 50}, 50), settings)
    critical_asset, _ = score([alert], ["ws1"], RiskContext({"r": 1}, 50, {"ws1": "critical"}), settings)
    assert common < rare < critical_asset
    assert parts["rarity"] == 0


def test_a_stolen_admin_account_joins_its_owners_cloud_activity(workspace, put_events, b, tmp_path) -> None:
    people = tmp_path / "identities.csv"
    people.write_text("user,display_name,email,aws_principal\n"
                      "daniel.okafor,Daniel Okafor,daniel.okafor@corp.example,arn:aws:iam::1:user/daniel.okafor\n"
                      "adm-dokafor,Daniel Okafor (admin),,\n")
    server = put_events([b.event("windows", b.t0, C.AUTHENTICATION, host_name="FS01", target_user_name="adm-dokafor",
                                 src_ip="10.20.1.10", logon_type=3)])
    cloud = put_events([b.event("cloudtrail", b.t0 + b.minutes(90), C.API, user_name="daniel.okafor",
                                cloud_principal="arn:aws:iam::1:user/daniel.okafor", cloud_action="PutBucketAcl",
                                src_ip="198.51.100.23")])
    alerts = [b.alert("pth", server, "high", ["lateral-movement"]), b.alert("acl", cloud, "high", ["exfiltration"])]
    assert correlate(workspace, alerts).incidents == 2  # without the identity inventory they look unrelated
    report = correlate(workspace, alerts, inventory=[people])
    [case] = list_incidents(workspace)
    assert report.incidents == 1 and report.merged
    assert case.users == ["adm-dokafor", "daniel.okafor"] and case.hosts == ["fs01"]


def test_duplicate_evidence_less_and_naive_alerts_do_not_break_a_run(workspace, put_events, b) -> None:
    ev = put_events([_proc(b, "WS3", b.t0), _proc(b, "WS3", b.t0 + b.minutes(5), cmd="net view")])
    good = b.alert("r1", ev[:1])
    naive = b.alert("r2", ev[1:]).model_copy(update={"first_time": (b.t0 + b.minutes(6)).replace(tzinfo=None),
                                                      "last_time": b.t0 + b.minutes(5)})
    empty = good.model_copy(update={"id": "al-empty", "event_ids": []})
    report = correlate(workspace, [good, good, naive, empty])
    [case] = list_incidents(workspace)
    assert (report.alerts, report.alerts_skipped) == (2, 2)
    assert case.alert_count == 2 and case.first_seen == b.t0 and case.last_seen == b.t0 + b.minutes(6)


def test_one_rule_tagged_with_several_tactics_is_not_a_kill_chain(b) -> None:
    settings = load_settings()
    ctx = RiskContext(rule_hosts={}, fleet_size=40)
    one = b.alert("sys", [_proc(b, "SQL01", b.t0)], "high", ["credential-access", "privilege-escalation"])
    two = b.alert("dump", [_proc(b, "SQL01", b.t0, cmd="procdump lsass")], "high", ["credential-access"])
    _, alone = score([one], ["sql01"], ctx, settings)
    _, together = score([one, two], ["sql01"], ctx, settings)
    assert alone["progression"] == 0 and together["progression"] > 0
