"""``socpilot attack``: show a technique, or map text."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from socpilot.cli import app

runner = CliRunner()


def test_attack_shows_a_technique() -> None:
    result = runner.invoke(app, ["attack", "T1059.001"])
    assert result.exit_code == 0, result.output
    assert "T1059.001 PowerShell" in result.stdout
    assert "execution" in result.stdout and "Mitigations" in result.stdout


def test_attack_shows_a_technique_as_json_with_its_replacement_when_revoked() -> None:
    result = runner.invoke(app, ["attack", "T1574.002", "--json"])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["revoked"] is True and doc["replaced_by"] == "T1574.001"
    assert doc["name"] == "DLL Side-Loading"


def test_attack_unknown_technique_exits_non_zero() -> None:
    result = runner.invoke(app, ["attack", "T9999"])
    assert result.exit_code == 1


def test_attack_map_json_and_top() -> None:
    result = runner.invoke(app, ["attack", "map", "procdump -ma lsass.exe", "--json", "--top", "2"])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert [m["technique_id"] for m in doc["mappings"]][:1] == ["T1003.001"]
    assert len(doc["mappings"]) == 2
    assert all(m["evidence"] for m in doc["mappings"])


def test_attack_map_joins_unquoted_words_and_prints_a_table() -> None:
    result = runner.invoke(app, ["attack", "map", "vssadmin", "delete", "shadows", "-n", "3"])
    assert result.exit_code == 0, result.output
    assert "T1490" in result.stdout and "Inhibit System Recovery" in result.stdout


def test_attack_map_without_text_is_a_usage_error() -> None:
    assert runner.invoke(app, ["attack", "map"]).exit_code == 2
