"""How the demo scores detection against its own ground truth, on synthetic alerts over the small demo."""

from __future__ import annotations

from datetime import UTC, datetime

from socpilot.demo import DemoManifest
from socpilot.demo.run import alert_score, top_alerts
from socpilot.model.alert import Alert, Entity


def _alert(rule: str, level: str, event_ids: list[str], minute: int) -> Alert:
    when = datetime(2026, 3, 4, 10, minute, tzinfo=UTC)
    return Alert(id=f"al-{rule}", rule_id=rule, rule_title=rule.replace("-", " "), rule_level=level,  # type: ignore[arg-type]
                 first_time=when, last_time=when, event_ids=event_ids,
                 entities=[Entity(kind="host", value="fin-lt007")])


def test_alerts_on_attack_events_count_by_stage_and_the_rest_as_benign(small_demo: DemoManifest, truth: list[dict]):
    lsass = next(t["id"] for t in truth if t["technique"] == "T1003.001")
    console = next(t["id"] for t in truth if t["technique"] == "T1078.004" and t["source"] == "cloudtrail")
    alerts = [_alert("lsass-dump", "high", [lsass], 1), _alert("console-no-mfa", "medium", [console], 2),
              _alert("user-logoff", "informational", ["not-an-attack-event"], 3),
              _alert("assume-role", "low", ["another-benign-event", "a-third"], 4)]
    score = alert_score(alerts, small_demo)
    assert score["alerts"] == 4 and score["attack_alerts"] == 2 and score["benign_alerts"] == 2
    assert score["stages_alerted"] == [4, 6]
    assert score["benign_per_host_day"] == round(2 / (12 * 3), 3)
    assert score["noisiest_benign_rules"] == [("user logoff", 1), ("assume role", 1)]


def test_top_alerts_put_the_most_severe_first_then_the_earliest():
    alerts = [_alert("b-medium", "medium", ["x"], 5), _alert("a-low", "low", ["y"], 1),
              _alert("c-high-late", "high", ["z"], 9), _alert("d-high-early", "high", ["w"], 2)]
    ranked = top_alerts(alerts, n=3)
    assert [a["rule"] for a in ranked] == ["d high early", "c high late", "b medium"]
    assert ranked[0]["entities"] == ["host:fin-lt007"] and ranked[0]["time"].startswith("2026-03-04T10:02")
