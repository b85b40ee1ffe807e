"""``socpilot ingest`` and ``socpilot status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json, err_console
from socpilot.ingest.pipeline import InputResult
from socpilot.ingest.readers.field_mapping import MappingError, load_mapping


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive); .gz and .zip are opened.")],
    source: Annotated[str | None, typer.Option("--source", help="Force a reader instead of auto-detection.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit non-zero when any record is quarantined.")] = False,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="Field-mapping YAML for JSON/CSV logs no reader knows (source, time, columns).")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Read logs into the store, normalized. Bad records are quarantined; the run goes on."""
    if mapping is not None:
        try:  # a mistake in the mapping is the user's to fix before anything is read
            load_mapping(mapping)
        except MappingError as exc:
            err_console.print(f"[red]mapping error[/] {exc}", highlight=False)
            raise typer.Exit(2) from None
    ws = Workspace.open(home)
    if json:
        report = ws.ingest(paths, source=source, mapping=mapping)
    else:
        with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[records]:,} records, {task.fields[rate]:,.0f}/s"),
                      TimeElapsedColumn(), console=err_console, transient=False) as bar:
            task = bar.add_task("ingest", total=None, records=0, rate=0.0)
            counted = {"records": 0}

            def progress(result: InputResult, done: int, total: int) -> None:
                counted["records"] += result.records
                elapsed = bar.tasks[0].elapsed or 1e-9
                bar.update(task, total=total, completed=done, records=counted["records"],
                           rate=counted["records"] / elapsed)
                for q in result.quarantined[:3]:
                    err_console.print(f"[yellow]quarantined[/] {result.display} at {q.offset}: {q.reason}",
                                      markup=True, highlight=False)
                if len(result.quarantined) > 3:
                    err_console.print(f"[yellow]... and {len(result.quarantined) - 3} more in {result.display}[/]")
                if result.skipped and "already" not in result.skipped:
                    err_console.print(f"[yellow]skipped[/] {result.skipped}", highlight=False)

            report = ws.ingest(paths, source=source, progress=progress, mapping=mapping)
    if json:
        emit_json(report.to_dict())
    else:
        table = Table(title=f"Ingested {report.records:,} records in {report.seconds:.1f} s")
        for col in ("source", "inputs", "records", "quarantined"):
            table.add_column(col, justify="left" if col == "source" else "right")
        for name, row in sorted(report.per_source().items()):
            table.add_row(name, f"{row['inputs']:,}", f"{row['records']:,}", f"{row['quarantined']:,}")
        console.print(table)
        skipped = sum(1 for r in report.results if r.skipped and "already" in r.skipped)
        if skipped:
            console.print(f"{skipped} input(s) already ingested, skipped.")
    if strict and report.quarantined:
        raise typer.Exit(2)
    if report.records == 0 and any(r.skipped and "already" not in r.skipped for r in report.results):
        raise typer.Exit(1)


@app.command()
def status(home: HomeOption = None, json: JsonOption = False) -> None:
    """What the store holds: events per source, time range, quarantined records."""
    ws = Workspace.open(home)
    doc = ws.status()
    if json:
        emit_json(doc)
        return
    table = Table(title=f"socpilot store at {doc['home']}")
    for col in ("source", "events", "first", "last", "inputs"):
        table.add_column(col)
    for row in doc["sources"]:
        table.add_row(row["source"], f"{row['events']:,}", str(row["first"]), str(row["last"]), str(row["inputs"]))
    console.print(table)
    console.print(f"quarantined records: {doc['quarantined']:,}")
