"""``socpilot mapping check``: what a field mapping makes of a log file, before ingesting it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socpilot.cli.app import JsonOption, app, console, emit_json, err_console
from socpilot.ingest.readers.field_mapping import MappingError, load_mapping
from socpilot.ingest.readers.generic import preview

mapping_app = typer.Typer(help="Write and check field mappings for JSON/CSV logs (socpilot ingest --mapping).",
                          no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")


@mapping_app.command("check")
def check(
    mapping: Annotated[Path, typer.Argument(help="The mapping YAML.")],
    log: Annotated[Path, typer.Argument(help="A log file it is meant for (.gz is opened).")],
    limit: Annotated[int, typer.Option("--limit", help="How many normalized events to show.")] = 3,
    json: JsonOption = False,
) -> None:
    """Read LOG with MAPPING and show the events it would give; nothing is stored."""
    try:
        fields = load_mapping(mapping)
    except MappingError as exc:
        err_console.print(f"[red]mapping error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    if not log.is_file():
        err_console.print(f"[red]no such file[/] {log}", highlight=False)
        raise typer.Exit(2)
    result = preview(fields, log, limit)
    if json:
        emit_json(result.to_dict())
        return
    console.print(f"{result.records:,} events, {len(result.quarantined):,} quarantined, source {fields.source!r}")
    for q in result.quarantined[:5]:
        console.print(f"[yellow]quarantined[/] at {q.offset}: {q.reason}", highlight=False)
    table = Table(title="Event columns filled (events)")
    table.add_column("column")
    table.add_column("events", justify="right")
    for column, count in result.filled.most_common():
        table.add_row(column, f"{count:,}")
    console.print(table)
    if result.unmapped:
        console.print("Kept in fields only (no mapping line names them): "
                      + ", ".join(sorted(result.unmapped)), highlight=False)
    for sample in result.samples:
        console.print_json(data=sample, default=str)
