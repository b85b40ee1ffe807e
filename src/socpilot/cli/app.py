"""The root typer app and the options every command shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

app = typer.Typer(
    name="socpilot",
    help="socpilot: an offline SOC copilot. Ingest telemetry, detect with Sigma, correlate, explain and hunt.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder (default: $SOCPILOT_HOME or ./socpilot-data).",
                 envvar="SOCPILOT_HOME", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document for scripts.")]

console = Console()
err_console = Console(stderr=True)


def emit_json(document: Any) -> None:
    """Write a JSON document to stdout (datetimes as ISO 8601, sets as lists)."""
    sys.stdout.write(orjson.dumps(document, default=_default, option=orjson.OPT_INDENT_2).decode() + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
