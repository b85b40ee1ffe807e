"""Feedback: verdicts drive per-rule precision, suppressions hide (and list) alerts, and a tuning
filter learned from false positives is back-tested before it is enabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
import yaml
from sigma.collection import SigmaCollection

from socpilot.api import Workspace
from socpilot.feedback import list_verdicts, record_verdict
from socpilot.feedback.stats import alert_verdicts, rule_stats
from socpilot.feedback.suppress import add_suppression, list_suppressions, split_suppressed
from socpilot.feedback.tune import enable_filter, enabled_filters, suggest_filter
from socpilot.model.alert import Alert, Entity, alert_id

RULE = "6f3e2987-db24-4c78-a860-b4f4095a7095"
START = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _event(i: int, parent: str, host: str) -> dict[str, object]:
    return {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": host,
            "SourceName": "Microsoft-Windows-Sysmon", "@timestamp": (START + timedelta(minutes=i)).isoformat(),
            "Image": "C:\\Program Files\\WinRAR\\rar.exe", "ParentImage": parent, "ProcessId": str(1000 + i),
            "CommandLine": f"rar.exe a backup-{i}.rar C:\\data", "User": "CORP\\svc-backup"}


@pytest.fixture
def labelled(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, list[Alert]]:
    """Ten rar.exe alerts: eight from the backup agent (benign), two from cmd.exe (the attack)."""
    rows = [_event(i, "C:\\Backup\\agent.exe", "FS01") for i in range(8)]
    rows += [_event(8 + i, "C:\\Windows\\System32\\cmd.exe", "WS-042") for i in range(2)]
    log = tmp_path / "sysmon.json"
    log.write_text("\n".join(orjson.dumps(r).decode() for r in rows) + "\n")
    assert workspace.ingest([log]).records == 10
    con = workspace.connect()
    ids = [r[0] for r in con.execute("SELECT id FROM events ORDER BY time").fetchall()]
    con.close()
    alerts = [Alert(id=alert_id(RULE, [eid]), rule_id=RULE, rule_title="Data compressed with rar.exe",
                    first_time=START + timedelta(minutes=i), last_time=START + timedelta(minutes=i), event_ids=[eid],
                    entities=[Entity(kind="host", value="FS01" if i < 8 else "WS-042")])
              for i, eid in enumerate(ids)]
    for a in alerts[:6]:
        record_verdict(workspace, "alert", a.id, "false_positive", "ana", "nightly backup")
    record_verdict(workspace, "alert", alerts[8].id, "true_positive", "ana", "staging for exfiltration")
    return workspace, alerts


def test_the_suggested_filter_removes_the_false_positives_and_keeps_the_attack(labelled) -> None:  # type: ignore[no-untyped-def]
    ws, alerts = labelled
    verdicts = alert_verdicts(alerts, list_verdicts(ws), [])
    logsource = {"product": "windows", "category": "process_creation"}
    suggestion = suggest_filter(ws, RULE, "Data compressed with rar.exe", logsource, alerts, verdicts)
    assert (suggestion.field, suggestion.values) == ("ParentImage", ["C:\\Backup\\agent.exe"])
    assert (suggestion.false_positives_removed, suggestion.false_positives) == (6, 6)
    assert (suggestion.true_positives_kept, suggestion.true_positives) == (1, 1)
    assert (suggestion.unlabelled_removed, suggestion.unlabelled) == (2, 3)  # the 2 other backups, not the attack
    document = yaml.safe_load(suggestion.document)
    assert document["filter"] == {"rules": [RULE], "selection": {"ParentImage": ["C:\\Backup\\agent.exe"]},
                                  "condition": "not selection"}
    path = enable_filter(ws, suggestion, "ana")
    assert enabled_filters(ws) == {RULE}
    rule = (f"title: Data compressed with rar.exe\nid: {RULE}\nlogsource: {{product: windows, category: "
            "process_creation}\ndetection:\n  sel: {Image|endswith: '\\rar.exe'}\n  condition: sel\n")
    loaded = SigmaCollection.from_yaml(rule + "---\n" + path.read_text(), collect_filters=True)
    applied = SigmaCollection(list(loaded.rules) + list(loaded.filters))
    assert "not" in str(applied.rules[0].detection.condition[0])


def test_no_false_positives_means_nothing_to_tune(labelled) -> None:  # type: ignore[no-untyped-def]
    ws, alerts = labelled
    with pytest.raises(ValueError, match="nothing to tune"):
        suggest_filter(ws, RULE, "t", {"product": "windows"}, alerts, {})


def test_rule_stats_give_precision_and_volume(labelled) -> None:  # type: ignore[no-untyped-def]
    ws, alerts = labelled
    [row] = rule_stats(alerts, alert_verdicts(alerts, list_verdicts(ws), []), [], set())
    assert (row["alerts"], row["false_positive"], row["true_positive"]) == (10, 6, 1)
    assert row["precision"] == round(1 / 7, 3)
    assert row["per_day"] == {"2026-11-20": 10}


def test_a_suppression_hides_one_entity_until_it_expires_and_is_always_listed(labelled) -> None:  # type: ignore[no-untyped-def]
    ws, alerts = labelled
    entry = add_suppression(ws, RULE, "host", "fs01", "ana", "backup server, ticket OPS-12", days=7)
    assert list_suppressions(ws) == [entry]
    kept, hidden = split_suppressed(alerts, list_suppressions(ws))
    assert len(hidden) == 8 and {e.value for a in kept for e in a.entities} == {"WS-042"}
    later = entry.expires_at + timedelta(seconds=1)
    assert split_suppressed(alerts, list_suppressions(ws), now=later)[1] == []
    with pytest.raises(ValueError):
        add_suppression(ws, RULE, "host", "fs01", "ana", "forever", days=3650)
