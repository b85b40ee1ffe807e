"""``socpilot correlate``, ``socpilot incidents``, ``socpilot show ID`` and ``socpilot triage ID STATUS``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json, err_console
from socpilot.correlate import (
    EvidenceMissing,
    IncidentNotFound,
    correlate,
    fleet_patterns,
    list_incidents,
    set_status,
    show,
)
from socpilot.correlate.incidents import STATUSES
from socpilot.correlate.render import FORMATS, inert


def _cell(value: str) -> Text:
    """A table cell that shows log-derived text as it is: rich markup in it is not interpreted."""
    return Text(inert(value))


@app.command("correlate")
def correlate_command(
    inventory: Annotated[list[Path] | None, typer.Option(
        "--inventory", help="Assets or identities CSV/JSON to import first (repeatable).",
        exists=True, dir_okay=False)] = None,
    window_hours: Annotated[float | None, typer.Option("--window-hours", help="Join alerts this close in time.")] = None,
    fleet_min_hosts: Annotated[int | None, typer.Option("--fleet-min-hosts",
                                                        help="Hosts that make a fleet-wide pattern.")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Group the stored alerts into incidents and fleet-wide patterns (ids stay stable across runs)."""
    report = correlate(Workspace.open(home), inventory=inventory or [], window_hours=window_hours,
                       fleet_min_hosts=fleet_min_hosts)
    if json:
        emit_json(report.to_dict())
        return
    console.print(f"{report.alerts:,} alerts -> {report.incidents:,} incidents and {report.patterns:,} fleet patterns "
                  f"({report.alerts_in_patterns:,} alerts) in {report.seconds:.1f} s", highlight=False)
    for row in report.top:
        console.print(f"  {row['id']}  {row['severity']:<13} risk {row['risk']:>5}  {inert(row['title'])}",
                      markup=False, highlight=False)


@app.command("incidents")
def incidents_command(
    status: Annotated[str | None, typer.Option("--status", help="Only incidents with this status.")] = None,
    patterns: Annotated[bool, typer.Option("--patterns", help="List fleet-wide patterns instead.")] = False,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Incidents, highest risk first (or fleet-wide patterns with --patterns)."""
    ws = Workspace.open(home)
    if patterns:
        found = fleet_patterns(ws)
        if json:
            emit_json([p.model_dump(mode="json") for p in found])
            return
        table = Table(title=f"{len(found)} fleet-wide patterns")
        for col in ("id", "spread", "value"):
            table.add_column(col)
        for p in found:
            table.add_row(p.id, _cell(p.summary()), _cell(p.value[:100]))
        console.print(table)
        return
    incidents = [i for i in list_incidents(ws) if status is None or i.status == status]
    if json:
        emit_json([i.model_dump(mode="json") for i in incidents])
        return
    table = Table(title=f"{len(incidents)} incidents")
    for col in ("id", "severity", "risk", "status", "alerts", "first seen", "ATT&CK", "title"):
        table.add_column(col, overflow="fold")  # a narrow terminal wraps values instead of cutting them
    for i in incidents:
        table.add_row(i.id, i.severity, f"{i.risk:g}", i.status, str(i.alert_count), f"{i.first_seen:%Y-%m-%d %H:%M}",
                      " > ".join(i.tactics), _cell(i.title))
    console.print(table)


@app.command("show")
def show_command(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id (a merged incident's id works too).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")] = "text",
    home: HomeOption = None,
) -> None:
    """An incident's story, alerts and timeline; every sentence cites the evidence it rests on."""
    if fmt not in FORMATS:
        err_console.print(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", markup=False)
        raise typer.Exit(2)
    try:
        sys.stdout.write(show(Workspace.open(home), incident_id, fmt))
    except IncidentNotFound:
        err_console.print(f"no incident {incident_id!r}; see `socpilot incidents`", markup=False)
        raise typer.Exit(1) from None
    except EvidenceMissing as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(1) from None


@app.command("triage")
def triage_command(
    incident_id: Annotated[str, typer.Argument(metavar="ID")],
    status: Annotated[str, typer.Argument(help=f"One of {', '.join(STATUSES)}.")],
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Set an incident's status (new, investigating, closed); it survives re-correlation."""
    try:
        updated = set_status(Workspace.open(home), incident_id, status)
    except (IncidentNotFound, ValueError) as exc:
        err_console.print(str(exc.args[0] if exc.args else exc), markup=False)
        raise typer.Exit(1) from None
    if json:
        emit_json(updated.model_dump(mode="json"))
    else:
        console.print(f"{updated.id} is now {updated.status}", markup=False, highlight=False)
