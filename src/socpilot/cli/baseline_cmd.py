"""``socpilot baseline``: learn what is usual, ask about it, and list what breaks it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from socpilot.api import Workspace
from socpilot.baseline import build_baselines, find_anomalies, lookup
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json

baseline_app = typer.Typer(help="Per-host, per-user and environment baselines.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("build")
def build(home: HomeOption = None, json: JsonOption = False,
          rebuild: Annotated[bool, typer.Option(help="Forget what was learned and learn it all again.")] = False,
          ) -> None:
    """Learn from the parts not learned yet (incremental)."""
    report = build_baselines(Workspace.open(home), rebuild=rebuild)
    if json:
        emit_json(report.to_dict())
    else:
        console.print(f"learned {report.events_learned:,} events from {report.parts_learned} parts in "
                      f"{report.seconds:.1f} s; {report.rows:,} baseline rows")


@baseline_app.command("show")
def show(profile: Annotated[str, typer.Argument(help="host_process, parent_child, user_country, ...")],
         entity: Annotated[str, typer.Argument(help="The host, user, or * for environment profiles.")],
         window: Annotated[int, typer.Option(help="Days of history that count as usual.")] = 30,
         home: HomeOption = None, json: JsonOption = False) -> None:
    """What is usual for an entity."""
    rows = lookup(Workspace.open(home), profile, entity, window)
    if json:
        emit_json(rows)
        return
    table = Table(title=f"{profile} for {entity} (last {window} days)")
    for col in ("value", "events", "first seen", "last seen"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["value"]), f"{r['n']:,}", str(r["first_seen"]), str(r["last_seen"]))
    console.print(table)


@app.command()
def anomalies(
    since: Annotated[datetime | None, typer.Option(help="First moment of the evaluated period (UTC).")] = None,
    window: Annotated[int, typer.Option(help="Days of history that count as usual.")] = 30,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Behaviour first seen in a period, each with the baseline it breaks and its evidence."""
    ws = Workspace.open(home)
    build_baselines(ws)
    found = find_anomalies(ws, since=since, window_days=window)
    if json:
        emit_json([a.model_dump(mode="json") for a in found])
        return
    for a in found:
        console.print(f"[bold]{a.rule_title}[/] ({a.rule_level}): {a.description}  "
                      f"[dim]{', '.join(a.event_ids[:3])}[/]", highlight=False)
    console.print(f"{len(found)} anomalies")
