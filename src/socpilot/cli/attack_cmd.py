"""``socpilot attack`` (show a technique, map text to techniques) and ``socpilot eval attack``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socpilot.attack import embeddings
from socpilot.attack.evaluate import Report, evaluate_file
from socpilot.attack.knowledge import Technique, load
from socpilot.attack.mapper import map_text
from socpilot.cli.app import JsonOption, app, console, emit_json, err_console

eval_app = typer.Typer(name="eval", help="Measure socpilot's components on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

SUMMARY_CHARS = 600


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
def attack(
    words: Annotated[list[str], typer.Argument(
        help="A technique id (T1059.001) to show it, or `map TEXT...` to map text to techniques.",
        show_default=False)],
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=50, help="How many techniques `map` returns.")] = 5,
    json: JsonOption = False,
) -> None:
    """ATT&CK v18.1: `socpilot attack T1059.001` shows a technique; `socpilot attack map "TEXT"` maps text."""
    if words[0].lower() == "map":
        text = " ".join(words[1:]).strip()
        if not text:
            err_console.print("[red]nothing to map[/]: give the text after `map`")
            raise typer.Exit(2)
        _show_mappings(text, top, json)
        return
    if len(words) != 1:
        err_console.print("[red]usage[/]: socpilot attack TECHNIQUE_ID | socpilot attack map TEXT")
        raise typer.Exit(2)
    _show_technique(words[0], json)


def _show_technique(tid: str, json: bool) -> None:
    kb = load()
    tech = kb.technique(tid)
    if tech is None:
        err_console.print(f"[red]unknown technique[/] {tid} (ATT&CK v{kb.version})", highlight=False)
        raise typer.Exit(1)
    replacement = kb.to_v18(tech.id)
    if json:
        emit_json(_technique_document(tech, replacement))
        return
    state = "" if tech.active else (f" [yellow](revoked, now {replacement})[/]" if tech.revoked
                                    else " [yellow](deprecated)[/]")
    console.print(f"[bold]{tech.id} {tech.name}[/]{state}", highlight=False)
    parent = kb.technique(tech.parent) if tech.parent else None
    if parent:
        console.print(f"sub-technique of {parent.id} {parent.name}", highlight=False)
    console.print(f"tactics: {', '.join(tech.tactics) or '-'}   platforms: {', '.join(tech.platforms) or '-'}",
                  highlight=False)
    console.print(tech.url, highlight=False)
    console.print()
    console.print(_summary(tech.description), highlight=False)
    for title, values in (("Data components", tech.data_components),
                          ("Detection strategies", tech.detection_strategies),
                          ("Mitigations", tech.mitigations),
                          ("Software", tech.software[:15]),
                          ("Groups", tech.groups[:15])):
        if values:
            console.print(f"\n[bold]{title}[/]: " + "; ".join(values), highlight=False)


def _technique_document(tech: Technique, replacement: str) -> dict[str, object]:
    return {"id": tech.id, "name": tech.name, "description": tech.description, "tactics": list(tech.tactics),
            "is_subtechnique": tech.is_subtechnique, "parent": tech.parent, "platforms": list(tech.platforms),
            "url": tech.url, "revoked": tech.revoked, "deprecated": tech.deprecated,
            "replaced_by": replacement if replacement != tech.id else None,
            "data_components": list(tech.data_components), "detection_strategies": list(tech.detection_strategies),
            "analytics": list(tech.analytics), "mitigations": list(tech.mitigations),
            "mitigation_notes": list(tech.mitigation_notes),
            "software": list(tech.software), "groups": list(tech.groups)}


def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"


def _show_mappings(text: str, top: int, json: bool) -> None:
    mappings = map_text(text, top=top)
    if json:
        emit_json({"text": text, "attack_version": load().version, "mappings": [m.to_dict() for m in mappings]})
        return
    if not mappings:
        console.print("no technique matched")
        return
    table = Table("technique", "name", "score", "evidence", show_lines=True)
    for m in mappings:
        table.add_row(m.technique_id, m.name, f"{m.score:.2f}", "\n".join(m.evidence[:4]))
    console.print(table)


@eval_app.command("attack")
def eval_attack(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, readable=True,
                                       help="JSONL with name, description and techniques (or techniques_v18).")],
    masked: Annotated[bool, typer.Option("--masked", help="Strip technique ids and names from the text first.")]
    = False,
    examples: Annotated[bool, typer.Option("--examples/--no-examples",
                                           help="Let the labelled examples vote (records that are examples "
                                                "themselves are scored with themselves left out).")] = True,
    json: JsonOption = False,
) -> None:
    """Top-1/top-3 recall and micro-F1 of the ATT&CK mapper at parent-technique level."""
    report = evaluate_file(data, masked=masked, examples=examples)
    if json:
        emit_json({"data": str(data), "examples": examples, "embeddings": embeddings.available(),
                   **report.to_dict()})
        return
    _print_report(data, report, examples)


def _print_report(data: Path, report: Report, examples: bool) -> None:
    notes = [note for note, on in (("masked", report.masked), ("no examples", not examples)) if on]
    table = Table("metric", "value", title=data.name + "".join(f" ({note})" for note in notes))
    table.add_row("records", f"{report.records:,}")
    if report.skipped:
        table.add_row("skipped lines", f"{report.skipped:,}")
    table.add_row("top-1 recall", f"{report.top1_recall:.3f} ({report.top1}/{report.records})")
    table.add_row("top-3 recall", f"{report.top3_recall:.3f} ({report.top3}/{report.records})")
    table.add_row("micro precision", f"{report.precision:.3f}")
    table.add_row("micro recall", f"{report.recall:.3f}")
    table.add_row("micro-F1", f"{report.micro_f1:.3f}")
    console.print(table)
