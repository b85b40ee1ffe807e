"""``socpilot ask``, ``socpilot intel import`` and ``socpilot hunts``: plain-English hunting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json
from socpilot.hunt.ask import Answer, run
from socpilot.hunt.curated import curated_hunts
from socpilot.hunt.intel import import_file
from socpilot.hunt.render import RENDERERS, render
from socpilot.hunt.session import open_session

AsOption = Annotated[str | None, typer.Option("--as", help="Also render the hunt as kql, spl or esql.")]
ShowSqlOption = Annotated[bool, typer.Option("--show-sql", help="Print the SQL and its bound parameters.")]


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="A hunting question in plain English.")],
    show_sql: ShowSqlOption = False,
    as_: AsOption = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Ask in plain English: hunts ("which hosts did X") show how they were understood, the query and the
    rows; investigation questions (a host's or user's day, an indicator, a technique, an incident, what to
    do) get a short answer whose every sentence cites its evidence."""
    from socpilot.copilot import investigate

    _check_target(as_)
    ws = Workspace.open(home)
    investigation = investigate(ws, question)
    if investigation.route != "hunt":
        _emit_investigation(investigation, json)
        if investigation.clarification:
            raise typer.Exit(2)
        return
    answer = Answer.model_validate(investigation.data)
    _emit(answer, show_sql, as_, json)
    if answer.clarification or answer.query is None:
        raise typer.Exit(2)


def _emit_investigation(answer: Any, json: bool) -> None:
    if json:
        emit_json(answer.model_dump(mode="json"))
        return
    console.print(f"[bold]{escape(answer.title)}[/]  [dim]({answer.route})[/]")
    for sentence in answer.sentences:
        cites = ", ".join(sentence.cites[:4]) + (" …" if len(sentence.cites) > 4 else "")
        mark = {"known": "", "inferred": "[italic]inferred:[/] ", "missing": "[yellow]missing:[/] "}.get(sentence.kind, "")
        console.print(f"- {mark}{escape(sentence.text)} [dim]{escape(cites)}[/]", highlight=False)
    if answer.clarification:
        console.print(f"[bold]{escape(answer.clarification.question)}[/]")
        for i, choice in enumerate(answer.clarification.choices, 1):
            console.print(f"  {i}. {escape(choice)}")
    for follow_up in answer.next_questions:
        console.print(f"[dim]next: socpilot ask {escape(repr(follow_up))}[/]")


intel_app = typer.Typer(help="Threat-intel context for hunting (domain registrations).", no_args_is_help=True)
app.add_typer(intel_app, name="intel")


@intel_app.command("import")
def intel_import(
    file: Annotated[Path, typer.Argument(help="CSV or JSON of domain, created date, registrar.")],
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Import a domain-registration cache used by "newly registered domain" hunts."""
    ws = Workspace.open(home)
    try:
        result = import_file(ws.home, file)
    except (OSError, ValueError) as err:
        console.print(f"[red]cannot import {escape(str(file))}:[/] {escape(str(err))}")
        raise typer.Exit(1) from None
    doc = {"kind": result.kind, "imported": result.imported, "skipped": result.skipped,
           "total": result.total, "path": result.path}
    if json:
        emit_json(doc)
    else:
        console.print(f"imported {result.imported:,} {result.kind} ({result.skipped:,} rows skipped); "
                      f"the cache now holds {result.total:,}")


hunts_app = typer.Typer(help="Curated hunts, runnable by name.", no_args_is_help=True)
app.add_typer(hunts_app, name="hunts")


@hunts_app.command("list")
def hunts_list(json: JsonOption = False) -> None:
    """The curated hunts, their parameters and the question each answers."""
    hunts = curated_hunts()
    if json:
        emit_json([h.model_dump() for h in hunts.values()])
        return
    table = Table(title="Curated hunts")
    for col in ("name", "title", "parameters", "ask it as"):
        table.add_column(col)
    for h in hunts.values():
        params = ", ".join(f"{p.name}={p.default}" for p in h.parameters)
        table.add_row(h.name, h.title, params, escape(h.question))
    console.print(table)


@hunts_app.command("run")
def hunts_run(
    name: Annotated[str, typer.Argument(help="A curated hunt's name (see: socpilot hunts list).")],
    param: Annotated[list[str] | None, typer.Option("--param", help="A parameter as key=value.")] = None,
    show_sql: ShowSqlOption = False,
    as_: AsOption = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Run a curated hunt by name."""
    _check_target(as_)
    hunt = curated_hunts().get(name)
    if hunt is None:
        raise typer.BadParameter(f"no hunt named {name!r}; known: {', '.join(curated_hunts())}")
    malformed = [p for p in param or [] if "=" not in p]
    if malformed:
        raise typer.BadParameter(f"--param takes key=value, got {', '.join(malformed)}")
    values = dict(p.split("=", 1) for p in param or [])
    try:
        query = hunt.build(values)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    ws = Workspace.open(home)
    con = open_session(ws)
    try:
        answer = run(con, hunt.title, query, datetime.now(UTC))
    finally:
        con.close()
    _emit(answer, show_sql, as_, json)


def _check_target(target: str | None) -> None:
    if target is not None and target not in RENDERERS:
        raise typer.BadParameter(f"--as takes one of {', '.join(RENDERERS)}")


def _emit(answer: Answer, show_sql: bool, target: str | None, json: bool) -> None:
    now = datetime.now(UTC)
    rendered = render(answer.query, target, now) if target and answer.query else None
    if json:
        doc: dict[str, Any] = answer.model_dump(mode="json")
        doc["query"] = answer.query.model_dump(mode="json", exclude_defaults=True) if answer.query else None
        if rendered:
            doc[target or ""] = rendered
        emit_json(doc)
        return
    console.print(f"[bold]Interpretation:[/] {escape(answer.interpretation)}")
    for note in answer.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if answer.clarification:
        console.print(f"[bold]{escape(answer.clarification.question)}[/]")
        for i, choice in enumerate(answer.clarification.choices, 1):
            console.print(f"  {i}. {escape(choice)}")
        return
    if answer.query is None:
        return
    if show_sql:
        console.print("[bold]SQL:[/]", escape(answer.sql or ""), highlight=False)
        console.print("[bold]parameters:[/]", escape(repr(answer.params)), highlight=False)
    if rendered:
        console.print(f"[bold]{target.upper() if target else ''}:[/]")
        console.print(escape(rendered), highlight=False)
    table = Table(title=f"{len(answer.rows):,} row(s)")
    for col in answer.columns:
        table.add_column(col)
    for row in answer.rows:
        table.add_row(*[escape(_cell(row[c])) for c in answer.columns])
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
