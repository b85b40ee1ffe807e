"""``socpilot inventory``: import, list, discover and reconcile assets and identities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json
from socpilot.inventory import (
    discover_assets,
    discover_identities,
    import_inventory,
    inventory_gaps,
    load_assets,
    load_identities,
)
from socpilot.inventory.records import save

inventory_app = typer.Typer(help="Assets and identities: imported, discovered, reconciled.", no_args_is_help=True)
app.add_typer(inventory_app, name="inventory")


@inventory_app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="CSV, JSON array or JSON lines files.")],
    kind: Annotated[str | None, typer.Option(help="assets or identities (default: from the headers).")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Import asset and identity lists (CMDB, HR or IdP exports)."""
    ws = Workspace.open(home)
    if kind not in (None, "assets", "identities"):
        raise typer.BadParameter("kind is assets or identities")
    results = [import_inventory(ws, f, kind) for f in files]  # type: ignore[arg-type]
    if json:
        emit_json(results)
        return
    for r in results:
        console.print(f"{r['file']}: {r['imported']} {r['kind']} imported, {r['skipped']} rows skipped")


@inventory_app.command("discover")
def discover_cmd(home: HomeOption = None, json: JsonOption = False,
                 save_: Annotated[bool, typer.Option("--save", help="Keep discovered entries that no file lists.")]
                 = False) -> None:
    """Hosts (with their IPs) and accounts seen in the telemetry."""
    ws = Workspace.open(home)
    assets, identities = discover_assets(ws), discover_identities(ws)
    if save_:
        known_hosts = {a.hostname for a in load_assets(ws)}
        known_users = {i.user for i in load_identities(ws)}
        save(ws, [a for a in assets if a.hostname not in known_hosts],
             [i for i in identities if i.user not in known_users])
    if json:
        emit_json({"assets": assets, "identities": identities})
        return
    table = Table(title=f"{len(assets)} hosts seen in telemetry")
    table.add_column("host")
    table.add_column("addresses")
    for a in assets:
        table.add_row(a.hostname, ", ".join(a.ips))
    console.print(table)
    console.print(f"{len(identities)} accounts seen: " + ", ".join(i.user for i in identities[:40]))


@inventory_app.command("list")
def list_cmd(home: HomeOption = None, json: JsonOption = False) -> None:
    """What the inventory holds."""
    ws = Workspace.open(home)
    assets, identities = load_assets(ws), load_identities(ws)
    if json:
        emit_json({"assets": assets, "identities": identities})
        return
    table = Table(title=f"{len(assets)} assets")
    for col in ("host", "ips", "role", "owner", "criticality", "origin"):
        table.add_column(col)
    for a in assets:
        table.add_row(a.hostname, ", ".join(a.ips), a.role or "", a.owner or "", a.criticality or "", a.origin)
    console.print(table)
    console.print(f"{len(identities)} identities")


@inventory_app.command("gaps")
def gaps_cmd(home: HomeOption = None, json: JsonOption = False) -> None:
    """Hosts that send no telemetry, unknown hosts on the network, accounts no file owns."""
    doc = inventory_gaps(Workspace.open(home))
    if json:
        emit_json(doc)
        return
    console.print(f"[bold]Silent hosts[/] (in the inventory, no telemetry): {', '.join(doc['silent_hosts']) or 'none'}")
    console.print(f"[bold]Unknown hosts on the network[/]: {len(doc['unknown_network_hosts'])}")
    for row in doc["unknown_network_hosts"][:20]:
        console.print(f"  {row['ip']}  {row['events']:,} events  {row['first_seen']} -> {row['last_seen']}")
    console.print(f"[bold]Accounts with no owner[/]: {', '.join(doc['unowned_accounts']) or 'none'}")
    for c in doc["address_conflicts"]:
        console.print(f"[bold]Conflict[/] {c['host']}: inventory {c['inventory']} vs telemetry {c['telemetry']}")
