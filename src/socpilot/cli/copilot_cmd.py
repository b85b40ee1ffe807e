"""``socpilot actions`` (human decisions on proposed responses) and ``socpilot mcp``."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json, err_console
from socpilot.cli.attack_cmd import eval_app

actions_app = typer.Typer(help="Proposed response actions: socpilot proposes, an analyst decides.",
                          no_args_is_help=True)
app.add_typer(actions_app, name="actions")


@actions_app.command("list")
def list_cmd(incident: Annotated[str | None, typer.Option(help="Only this incident's actions.")] = None,
             home: HomeOption = None, json: JsonOption = False) -> None:
    """Proposed, approved and rejected actions, with who decided, when and why."""
    from socpilot.copilot import list_actions

    actions = list_actions(Workspace.open(home), incident)
    if json:
        emit_json([a.model_dump(mode="json") for a in actions])
        return
    table = Table(title=f"{len(actions)} actions")
    for col in ("id", "incident", "action", "status", "decided by", "reason"):
        table.add_column(col)
    for a in actions:
        table.add_row(a.id, a.incident_id, a.title, a.status, a.decided_by or "", a.reason or "")
    console.print(table)


def _decide(action_id: str, approve: bool, reason: str, who: str | None, home: object, json: bool) -> None:
    from socpilot.copilot import decide

    try:
        action = decide(Workspace.open(home), action_id, approve, who or getpass.getuser(), reason)  # type: ignore[arg-type]
    except (KeyError, ValueError) as exc:
        err_console.print(str(exc).strip("'\""))
        raise typer.Exit(1) from None
    if json:
        emit_json(action.model_dump(mode="json"))
    else:
        console.print(f"{action.id} {action.status} by {action.decided_by}: {action.title}")


@actions_app.command("approve")
def approve(action_id: str, reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
            who: Annotated[str | None, typer.Option(help="Who decides (default: the OS user).")] = None,
            home: HomeOption = None, json: JsonOption = False) -> None:
    """Approve a proposed action. socpilot records it; people carry it out."""
    _decide(action_id, True, reason, who, home, json)


@actions_app.command("reject")
def reject(action_id: str, reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
           who: Annotated[str | None, typer.Option(help="Who decides (default: the OS user).")] = None,
           home: HomeOption = None, json: JsonOption = False) -> None:
    """Reject a proposed action, with the reason."""
    _decide(action_id, False, reason, who, home, json)


@app.command()
def mcp(home: HomeOption = None) -> None:
    """Serve socpilot's read-only investigation tools over MCP (stdio)."""
    from socpilot.copilot.mcp_server import build_server

    build_server(home).run("stdio")


@eval_app.command("ask")
def eval_ask(
    data: Annotated[Path | None, typer.Option("--data", help="JSON lines: question, route, entities "
                                              "(default: the 157 shipped questions).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Routing accuracy and entity recall of `socpilot ask` on a question set (placeholders from the demo)."""
    from socpilot.copilot.eval import evaluate_ask, shipped_questions

    report = evaluate_ask(Workspace.open(home), data or shipped_questions(), limit=limit)
    if json:
        emit_json(report.to_dict())
        return
    console.print(f"{report.questions} questions ({report.skipped} skipped): routing accuracy "
                  f"{report.routing_accuracy:.3f}, entity recall {report.entity_recall:.3f}, "
                  f"p50 {report.percentile(50):.2f} s, p95 {report.percentile(95):.2f} s")
    for miss in report.misses[:20]:
        console.print(f"  miss: {miss}", highlight=False)
