"""On the demo: every weakness the generator planted is reported, and nothing it did not plant."""

from __future__ import annotations

from socpilot.api import Workspace
from socpilot.posture import posture_report


def test_posture_finds_each_planted_weakness_on_the_demo(demo_run, demo_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    planted = demo_run.manifest.facts["weaknesses"]
    findings = {f.id: f for f in posture_report(demo_ws)}
    no_mfa = {i.subject for i in findings["mfa_not_enrolled"].items}
    assert planted["user_without_mfa"].split("@")[0] in no_mfa
    assert planted["public_bucket"] in {i.subject for i in findings["public_buckets"].items}
    assert any(i.subject.lower().startswith(planted["host_without_sysmon"].lower())
               for i in findings["hosts_without_sysmon"].items)
    key = planted["aws_key_in_command_line"]
    secrets = findings["secrets_in_telemetry"].items
    assert any(i.subject.startswith(key[:4]) and key not in i.subject for i in secrets)
    con = demo_ws.connect()
    cited = {r[0] for r in con.execute(
        "SELECT process_cmd FROM events WHERE id IN (SELECT unnest(?))",
        [[e for i in secrets for e in i.evidence]]).fetchall()}
    assert any(key in (cmd or "") for cmd in cited)


def test_posture_reports_nothing_the_demo_did_not_plant_or_the_attack_did_not_cause(demo_run, demo_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    facts = demo_run.manifest.facts
    expected = {w.split("@")[0].lower() for w in facts["weaknesses"].values()} | {
        facts["admin"], facts["admin_account"], facts["target_bucket"], facts["victim"]}
    for finding in posture_report(demo_ws):
        for item in finding.items:
            subject = item.subject.lower()
            if finding.id == "secrets_in_telemetry":
                continue  # masked; checked against the planted key above
            assert any(subject.startswith(e.lower()) for e in expected), (finding.id, item.subject, item.detail)
