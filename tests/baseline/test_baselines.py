"""Baselines learned from real-format telemetry, incrementally, and the anomalies that break them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from socpilot.api import Workspace
from socpilot.baseline import build_baselines, find_anomalies, lookup

START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
HOSTS = [f"WS-{i:03d}" for i in range(1, 7)]
USUAL_TREES = [("explorer.exe", "chrome.exe"), ("explorer.exe", "outlook.exe"), ("services.exe", "svchost.exe")]


def _sysmon(host: str, when: datetime, parent: str, child: str) -> str:
    return orjson.dumps({
        "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": f"{host}.corp.example",
        "SourceName": "Microsoft-Windows-Sysmon", "@timestamp": when.isoformat().replace("+00:00", "Z"),
        "Image": f"C:\\Windows\\System32\\{child}", "ParentImage": f"C:\\Windows\\{parent}",
        "CommandLine": child, "User": "CORP\\alice", "ProcessGuid": f"{{{host}-{when.timestamp()}-{child}}}",
    }).decode()


def _okta(user: str, when: datetime, country: str) -> str:
    return orjson.dumps({
        "uuid": f"{user}-{when.timestamp()}", "published": when.isoformat().replace("+00:00", "Z"),
        "eventType": "user.session.start", "displayMessage": "User login to Okta",
        "actor": {"alternateId": f"{user}@corp.example", "type": "User", "displayName": user},
        "client": {"ipAddress": "203.0.113.9" if country == "Russia" else "198.51.100.20",
                   "geographicalContext": {"country": country}},
        "outcome": {"result": "SUCCESS"},
    }).decode()


def _day(n: int) -> datetime:
    return START + timedelta(days=n)


def _write_history(folder: Path) -> None:
    """Four ordinary days for six hosts and one user."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [_sysmon(h, _day(d) + timedelta(minutes=i), p, c)
             for d in range(4) for h in HOSTS for i, (p, c) in enumerate(USUAL_TREES)]
    (folder / "sysmon-history.json").write_text("\n".join(lines) + "\n")
    (folder / "okta-history.json").write_text(
        "\n".join(_okta("alice", _day(d), "United States") for d in range(4)) + "\n")


def _write_attack_day(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [_sysmon(h, _day(4) + timedelta(minutes=i), p, c) for h in HOSTS for i, (p, c) in enumerate(USUAL_TREES)]
    lines.append(_sysmon("WS-003", _day(4) + timedelta(hours=2), "WINWORD.EXE", "powershell.exe"))
    (folder / "sysmon-day5.json").write_text("\n".join(lines) + "\n")
    (folder / "okta-day5.json").write_text(_okta("alice", _day(4) + timedelta(hours=3), "Russia") + "\n")


@pytest.fixture
def learned(workspace: Workspace, tmp_path: Path) -> Workspace:
    _write_history(tmp_path / "history")
    assert workspace.ingest([tmp_path / "history"]).quarantined == 0
    first = build_baselines(workspace)
    assert first.parts_learned > 0 and first.events_learned == 4 * 6 * 3 + 4
    _write_attack_day(tmp_path / "day5")
    workspace.ingest([tmp_path / "day5"])
    return workspace


def test_baselines_update_incrementally_from_new_parts_only(learned: Workspace) -> None:
    update = build_baselines(learned)
    assert update.events_learned == 6 * 3 + 1 + 1  # only the new day
    assert build_baselines(learned).parts_learned == 0  # nothing new, nothing learned
    usual = {r["value"]: r["n"] for r in lookup(learned, "host_process", "ws-003.corp.example")}
    assert usual["chrome.exe"] == 5 and usual["powershell.exe"] == 1


def test_first_seen_process_tree_raises_one_anomaly_with_its_baseline(learned: Workspace) -> None:
    build_baselines(learned)
    alerts = find_anomalies(learned, since=_day(4))
    trees = [a for a in alerts if a.rule_id == "socpilot-anomaly-new_parent_child"]
    assert [a.group_key for a in trees] == ["*|winword.exe > powershell.exe"]
    assert trees[0].description == "winword.exe > powershell.exe: never seen on the 6 hosts in 4 days"
    con = learned.connect()
    cited = con.execute("SELECT process_name, host_name FROM events WHERE id = ?", [trees[0].event_ids[0]]).fetchone()
    assert cited == ("powershell.exe", "WS-003.corp.example")


def test_sign_in_from_a_new_country_is_an_anomaly_and_usual_ones_are_not(learned: Workspace) -> None:
    build_baselines(learned)
    countries = [a for a in find_anomalies(learned, since=_day(4)) if a.rule_id.endswith("new_user_country")]
    assert len(countries) == 1
    assert "Russia" in countries[0].description and "usual: United States" in countries[0].description


def test_ordinary_days_raise_no_anomaly(workspace: Workspace, tmp_path: Path) -> None:
    _write_history(tmp_path / "history")
    workspace.ingest([tmp_path / "history"])
    build_baselines(workspace)
    assert find_anomalies(workspace, since=_day(3)) == []
