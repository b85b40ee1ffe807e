"""``socpilot verdict``, ``socpilot suppress`` and ``socpilot retro``: learning from outcomes."""

from __future__ import annotations

import getpass
from typing import Annotated, cast

import typer
from rich.markdown import Markdown
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json
from socpilot.feedback import record_verdict
from socpilot.feedback.suppress import add_suppression, list_suppressions, split_suppressed
from socpilot.feedback.verdicts import TargetKind, VerdictKind

suppress_app = typer.Typer(help="Suppress one rule for one entity, with an owner, a reason and an expiry.",
                           no_args_is_help=True)
app.add_typer(suppress_app, name="suppress")


@app.command()
def verdict(
    kind: Annotated[str, typer.Argument(help="alert or incident")],
    target: Annotated[str, typer.Argument(help="The alert or incident id.")],
    value: Annotated[str, typer.Argument(help="true_positive, benign or false_positive")],
    reason: Annotated[str, typer.Option(help="Why (kept with the verdict).")],
    who: Annotated[str | None, typer.Option(help="Who judges (default: the OS user).")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Record an analyst's verdict; it feeds rule precision and tuning."""
    if kind not in ("alert", "incident") or value not in ("true_positive", "benign", "false_positive"):
        raise typer.BadParameter("kind is alert|incident; verdict is true_positive|benign|false_positive")
    entry = record_verdict(Workspace.open(home), cast(TargetKind, kind), target, cast(VerdictKind, value),
                           who or getpass.getuser(), reason)
    if json:
        emit_json(entry.model_dump(mode="json"))
    else:
        console.print(f"{kind} {target}: {value} by {entry.who}")


@suppress_app.command("add")
def suppress_add(
    rule: Annotated[str, typer.Argument(help="The rule id.")],
    entity: Annotated[str, typer.Argument(help="kind=value, e.g. host=FS01 or user=svc-backup")],
    reason: Annotated[str, typer.Option(help="Why, e.g. a ticket.")],
    days: Annotated[int, typer.Option(help="How long (1-90 days).")] = 30,
    owner: Annotated[str | None, typer.Option(help="Who answers for it (default: the OS user).")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Hide one rule's alerts about one entity until the expiry."""
    kind, _, value = entity.partition("=")
    if not value:
        raise typer.BadParameter("entity is kind=value")
    entry = add_suppression(Workspace.open(home), rule, kind, value, owner or getpass.getuser(), reason, days)
    if json:
        emit_json(entry.model_dump(mode="json"))
    else:
        console.print(f"{entry.id}: {rule} for {kind} {value} until {entry.expires_at:%Y-%m-%d} ({entry.owner})")


@suppress_app.command("list")
def suppress_list(home: HomeOption = None, json: JsonOption = False) -> None:
    """Every suppression, active or expired, with the alerts it hides now."""
    from socpilot.correlate import stored_alerts

    ws = Workspace.open(home)
    entries = list_suppressions(ws)
    alerts = stored_alerts(ws)
    rows = [{**e.model_dump(mode="json"), "hiding": len(split_suppressed(alerts, [e])[1])} for e in entries]
    if json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} suppressions")
    for col in ("id", "rule", "entity", "owner", "reason", "expires", "hiding"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["rule_id"], f"{r['entity_kind']}={r['entity_value']}", r["owner"], r["reason"],
                      r["expires_at"][:10], str(r["hiding"]))
    console.print(table)


@app.command()
def retro(incident_id: str, home: HomeOption = None, json: JsonOption = False) -> None:
    """An incident's retrospective: time to detect and close, what caught each stage, what we missed."""
    from socpilot.feedback.retro import render_retro, retrospective

    doc = retrospective(Workspace.open(home), incident_id)
    if json:
        emit_json(doc)
    else:
        console.print(Markdown(render_retro(doc)))
