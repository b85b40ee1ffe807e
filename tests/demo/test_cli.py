"""``socpilot demo`` from the command line: generates, ingests and reports in one JSON document."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from socpilot.api import Workspace
from socpilot.cli import app
from socpilot.hunt.intel import available
from socpilot.inventory import load_assets


def test_demo_command_generates_ingests_and_reports_json(tmp_path: Path):
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["demo", "--home", str(home), "--hosts", "8", "--days", "2",
                                      "--events", "4000", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["generated"]["events"] == 4000
    assert doc["ingest"]["records"] == 4000 and doc["ingest"]["quarantined"] == 0
    assert set(doc["ingest"]["per_source"]) == {"windows", "zeek", "suricata", "cloudtrail", "okta"}
    assert Path(doc["generated"]["raw_dir"]) == home / "demo" / "raw"
    manifest = orjson.loads((home / "demo" / "manifest.json").read_bytes())
    assert manifest["facts"]["victim"] == "sarah.whitfield"
    assert manifest["facts"]["weaknesses"]["public_bucket"] == "halcyon-web-assets"
    assert doc["generated"]["attack_events"] == sum(1 for _ in open(home / "demo" / "ground_truth.jsonl"))
    # The side files went where the hunting and correlation stages look for them.
    assert "domains" in available(home)
    assets = {a.hostname: a for a in load_assets(Workspace.open(home))}
    assert len(assets) == 8 and assets["fs01"].criticality == "high"  # hostnames are keyed lower-case
    # The planted weaknesses are what the fundamentals report finds.
    found = {f["id"]: f["items"] for f in doc["posture"]}
    assert {"mfa_not_enrolled", "public_buckets", "secrets_in_telemetry", "hosts_without_sysmon"} <= set(found)
    assert found["public_buckets"] == 2  # the business's assets bucket and the attacker's


def test_demo_command_refuses_an_organisation_too_small_for_the_story(tmp_path: Path):
    result = CliRunner().invoke(app, ["demo", "--home", str(tmp_path), "--hosts", "3"])
    assert result.exit_code != 0
    assert not (tmp_path / "demo").exists()
