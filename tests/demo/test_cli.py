"""``socpilot demo`` from the command line: generates, ingests and reports in one JSON document."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from socpilot.cli import app


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


def test_demo_command_refuses_an_organisation_too_small_for_the_story(tmp_path: Path):
    result = CliRunner().invoke(app, ["demo", "--home", str(tmp_path), "--hosts", "3"])
    assert result.exit_code != 0
    assert not (tmp_path / "demo").exists()
