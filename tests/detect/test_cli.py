"""The detection commands end to end: detect, alerts, rules check and coverage with a Navigator layer."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from socpilot.cli import app
from socpilot.detect.loader import builtin_rules_dir

runner = CliRunner()


def test_rules_check_lists_every_builtin_rule_as_loaded():
    result = runner.invoke(app, ["rules", "check", str(builtin_rules_dir()), "--json"])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["unsupported"] == 0
    assert doc["loaded"] == doc["documents"] == len(doc["rules"]) >= 40
    assert {"okta", "aws", "zeek", "windows", "(correlation)"} <= set(doc["per_product"])


def test_coverage_writes_a_navigator_layer(tmp_path):
    layer = tmp_path / "layer.json"
    result = runner.invoke(app, ["coverage", "--home", str(tmp_path / "home"), "--navigator", str(layer), "--json"])
    assert result.exit_code == 0, result.output
    rows = orjson.loads(result.stdout)["techniques"]
    doc = orjson.loads(layer.read_bytes())
    assert doc["domain"] == "enterprise-attack"
    assert {t["techniqueID"] for t in doc["techniques"]} == {r["technique"] for r in rows}
    assert "T1110.003" in {r["technique"] for r in rows}  # the password-spray correlations
    assert all(r["rules"] >= 1 for r in rows)


def test_detect_then_alerts_on_cloudtrail_detonations(data, tmp_path):
    home = str(tmp_path / "home")
    logs = data / "cloud" / "cloudtrail" / "stratus-red-team-detonation-logs"
    assert runner.invoke(app, ["ingest", "--home", home, "--json", str(logs)]).exit_code == 0
    first = runner.invoke(app, ["detect", "--home", home, "--json"])
    assert first.exit_code == 0, first.output
    report = orjson.loads(first.stdout)
    assert report["parts_scanned"] >= 1 and report["alerts"] >= 1 and report["failed"] == {}
    again = orjson.loads(runner.invoke(app, ["detect", "--home", home, "--json"]).stdout)
    assert again["parts_scanned"] == 0
    listed = orjson.loads(runner.invoke(app, ["alerts", "--home", home, "--json"]).stdout)
    titles = {a["rule_title"] for a in listed}
    assert len(listed) == report["alerts"]
    assert any("CloudTrail" in t for t in titles)  # aws.defense-evasion.cloudtrail-stop / -delete
    assert all(a["event_ids"] and a["rule_source"] == "builtin" for a in listed)
