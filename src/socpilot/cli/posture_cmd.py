"""``socpilot posture``: the fundamentals report."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markdown import Markdown

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json
from socpilot.posture import posture_report, render_markdown


@app.command()
def posture(
    home: HomeOption = None,
    json: JsonOption = False,
    md: Annotated[bool, typer.Option("--md", help="Print the report as Markdown text.")] = False,
) -> None:
    """MFA gaps, privileged use, public buckets, secrets, logging gaps: each with evidence and a fix."""
    findings = posture_report(Workspace.open(home))
    if json:
        emit_json([f.model_dump(mode="json") for f in findings])
    elif md:
        print(render_markdown(findings))
    else:
        console.print(Markdown(render_markdown(findings)))
