"""The loop closed on real detection: false positives judged, a filter suggested and enabled, re-detection
drops them and keeps the attack, and ``rules stats`` lists the tuning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from socpilot.api import Workspace
from socpilot.correlate import stored_alerts
from socpilot.detect.config import rule_folders
from socpilot.detect.run import detect
from socpilot.feedback import list_verdicts, record_verdict
from socpilot.feedback.stats import alert_verdicts, rule_stats
from socpilot.feedback.tune import enable_filter, enabled_filters, suggest_filter

RULE = "835a6df2-db1f-49fc-8897-1cfe107a3869"  # built-in: archive written to a staging folder
START = datetime(2026, 11, 20, 1, tzinfo=UTC)
AGENT = "C:\\Program Files\\BackupAgent\\7z.exe"


def _file_event(i: int, image: str, target: str, host: str) -> str:
    return orjson.dumps({
        "EventID": 11, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": host,
        "SourceName": "Microsoft-Windows-Sysmon", "@timestamp": (START + timedelta(hours=i)).isoformat(),
        "Image": image, "TargetFilename": target, "ProcessGuid": f"{{g-{i}}}", "ProcessId": str(100 + i)}).decode()


def test_an_enabled_tuning_filter_removes_false_positives_on_rescan_and_keeps_the_attack(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "home")
    # One alert per host: three backup servers (benign), and the file server the attacker staged data on.
    lines = [_file_event(i, AGENT, f"C:\\ProgramData\\Backups\\nightly-{i}.7z", f"BK0{i % 3}.corp.example")
             for i in range(6)]
    lines.append(_file_event(7, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                             "C:\\ProgramData\\fin_q4.zip", "FS01.corp.example"))
    log = tmp_path / "sysmon.json"
    log.write_text("\n".join(lines) + "\n")
    assert ws.ingest([log]).records == 7
    detect(ws.store)
    mine = [a for a in stored_alerts(ws) if a.rule_id == RULE]
    con = ws.connect()
    image_of = dict(con.execute("SELECT id, fields['Image'] FROM events").fetchall())
    con.close()
    attack = [a for a in mine if any("powershell" in image_of[e] for e in a.event_ids)]
    benign = [a for a in mine if a not in attack]
    assert len(attack) == 1 and benign
    for alert in benign:
        record_verdict(ws, "alert", alert.id, "false_positive", "ana", "nightly backup agent")
    record_verdict(ws, "alert", attack[0].id, "true_positive", "ana", "finance data staged")

    verdicts = alert_verdicts(mine, list_verdicts(ws), [])
    suggestion = suggest_filter(ws, RULE, "Archive written to a staging folder", {"product": "windows",
                                "category": "file_event"}, mine, verdicts)
    assert (suggestion.field, suggestion.values) == ("Image", [AGENT])
    assert suggestion.false_positives_removed == suggestion.false_positives == len(benign)
    assert suggestion.true_positives_kept == 1
    enable_filter(ws, suggestion, "ana")

    detect(ws.store, rule_folders(ws.home), rescan=True)
    after = [a for a in stored_alerts(ws) if a.rule_id == RULE]
    assert [a.id for a in after] == [attack[0].id]  # same evidence, same id: its verdict still applies
    [row] = [r for r in rule_stats(after, alert_verdicts(after, list_verdicts(ws), []), [], enabled_filters(ws))
             if r["rule_id"] == RULE]
    assert row["filter"] is True and row["true_positive"] == 1 and row["precision"] == 1.0
