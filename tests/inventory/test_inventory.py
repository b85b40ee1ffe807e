"""Inventory import from the files people actually have, and the names that join it to telemetry."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from socpilot.api import Workspace
from socpilot.cli import app
from socpilot.inventory import import_inventory, load_assets, load_identities
from socpilot.inventory.names import normalise_host, normalise_user


def test_names_from_every_source_normalise_to_one_key() -> None:
    assert normalise_user("CORP\\Alice") == normalise_user("alice@corp.example") == "alice"
    assert normalise_user("arn:aws:iam::123456789012:user/Alice") == "alice"
    assert normalise_user("WS-042$") is None  # a machine account is a host
    assert normalise_host("WS-042.corp.example") == "ws-042"
    assert normalise_host("10.0.0.5") is None


def test_assets_import_with_cmdb_style_headers(workspace: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "cmdb.csv"
    csv.write_text("Computer Name,IP Address,Asset Type,Owned By,Tier,Service\n"
                   "WS-001.corp.example,10.1.0.11;10.1.0.12,workstation,alice,low,Sales\n"
                   "SRV-DB-01,10.2.0.5,server,it-ops,critical,Billing\n"
                   ",10.9.9.9,printer,,,\n")
    result = import_inventory(workspace, csv)
    assert result == {"file": str(csv), "kind": "assets", "rows": 3, "imported": 2, "skipped": 1}
    assets = {a.hostname: a for a in load_assets(workspace)}
    assert assets["ws-001"].ips == ["10.1.0.11", "10.1.0.12"]
    assert assets["srv-db-01"].criticality == "critical"
    assert assets["srv-db-01"].business_service == "Billing"


def test_identities_import_from_json_lines_with_flags_and_lists(workspace: Workspace, tmp_path: Path) -> None:
    jsonl = tmp_path / "hr.jsonl"
    jsonl.write_text('{"username": "CORP\\\\Bob", "mail": "bob@corp.example", "groups": "Domain Admins;IT", '
                     '"is_admin": "yes", "mfa": "no", "manager": "carol"}\n'
                     '{"username": "carol", "groups": ["Finance"], "mfa": true}\n')
    assert import_inventory(workspace, jsonl)["imported"] == 2
    people = {i.user: i for i in load_identities(workspace)}
    assert people["bob"].groups == ["Domain Admins", "IT"]
    assert people["bob"].privileged is True and people["bob"].mfa_enrolled is False
    assert people["carol"].groups == ["Finance"] and people["carol"].mfa_enrolled is True


def test_reimport_updates_in_place(workspace: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("hostname,ip,criticality\nws-1,10.0.0.1,low\n")
    import_inventory(workspace, csv)
    csv.write_text("hostname,ip,criticality\nws-1,10.0.0.2,high\n")
    import_inventory(workspace, csv)
    [asset] = load_assets(workspace)
    assert asset.ips == ["10.0.0.2"] and asset.criticality == "high"


def test_inventory_cli_import_and_list_json(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("hostname,ip,role\ndc-01,10.0.0.10,domain_controller\n")
    home = tmp_path / "home"
    runner = CliRunner()
    result = runner.invoke(app, ["inventory", "import", str(csv), "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["inventory", "list", "--home", str(home), "--json"])
    assert '"hostname": "dc-01"' in listed.output and '"domain_controller"' in listed.output
