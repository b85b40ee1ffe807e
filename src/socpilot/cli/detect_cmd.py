"""``socpilot detect``, ``socpilot rules check``, ``socpilot alerts`` and ``socpilot coverage``."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json
from socpilot.detect.alerts import ensure_tables, load_alerts
from socpilot.detect.config import detect_config, rule_folders
from socpilot.detect.coverage import coverage as coverage_rows
from socpilot.detect.coverage import navigator_layer
from socpilot.detect.run import compile_rules
from socpilot.detect.run import detect as run_detect

RulesOption = Annotated[list[Path] | None, typer.Option(
    "--rules", help="A folder (or file) of Sigma rules; repeatable. Added to the built-in pack.")]
NoBuiltinOption = Annotated[bool, typer.Option("--no-builtin", help="Leave the built-in rule pack out.")]

rules_app = typer.Typer(help="Sigma rule sets: check what loads and what does not.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@app.command()
def detect(
    rules: RulesOption = None,
    no_builtin: NoBuiltinOption = False,
    since: Annotated[datetime | None, typer.Option("--since", help="Only events at or after this time (UTC).")] = None,
    rescan: Annotated[bool, typer.Option("--all", help="Scan every part, not only those new to this rule set.")] = False,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Run Sigma rules (built-in pack + --rules) over the store; new matches become alerts."""
    ws = Workspace.open(home)
    config = detect_config(ws.home)
    folders = rule_folders(ws.home) + list(rules or [])  # detect.yml folders and enabled tuning filters
    report = run_detect(ws.store, folders, include_builtin=not no_builtin, since=since, rescan=rescan,
                        placeholders=config.get("placeholders"))
    if json:
        emit_json(report.to_dict())
        return
    console.print(f"{report.rules:,} rules and {report.correlations} correlation rules "
                  f"({report.unsupported} unsupported: see `socpilot rules check`)")
    console.print(f"scanned {report.parts_scanned:,} new parts, {report.rows_scanned:,} events: "
                  f"{report.matches:,} matches, {report.alerts:,} alerts in {report.seconds:.1f} s")
    for key, reason in sorted(report.failed.items()):
        console.print(f"[yellow]rule {key} failed:[/] {reason}", highlight=False)


@rules_app.command("check")
def rules_check(
    folders: Annotated[list[Path], typer.Argument(help="Folders or files of Sigma rules.")],
    json: JsonOption = False,
) -> None:
    """List every rule as loaded or unsupported (with the reason), and the supported fraction per product."""
    compiled = compile_rules(folders, include_builtin=False)
    supported: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for product in {r.meta.id: r.meta.product for r in compiled.rules}.values():
        supported[product or "(none)"] += 1
        total[product or "(none)"] += 1
    for u in compiled.unsupported:
        total[u.product or "(none)"] += 1
    supported["(correlation)"] = total["(correlation)"] = len(compiled.correlations)
    if not compiled.correlations:
        del supported["(correlation)"], total["(correlation)"]
    per_product = {p: {"supported": supported[p], "total": total[p], "fraction": round(supported[p] / total[p], 4)}
                   for p in sorted(total, key=lambda p: -total[p])}
    doc = {
        "documents": compiled.loaded,
        "loaded": len({r.meta.id for r in compiled.rules}) + len(compiled.correlations),
        "unsupported": len(compiled.unsupported),
        "per_product": per_product,
        "rules": [{"path": r.meta.path, "id": r.meta.id, "title": r.meta.title, "status": "loaded"}
                  for r in {r.meta.id: r for r in compiled.rules}.values()]
        + [{"path": m.path, "id": m.id, "title": m.title, "status": "loaded"} for m, _ in compiled.correlations]
        + [{"path": u.path, "id": u.rule_id, "title": u.title, "status": "unsupported", "reason": u.reason}
           for u in compiled.unsupported],
    }
    if json:
        emit_json(doc)
        return
    for u in compiled.unsupported:
        console.print(f"[yellow]unsupported[/] {u.path}: {u.reason}", highlight=False)
    table = Table(title=f"{doc['loaded']:,} of {doc['documents']:,} rules loaded")
    for col in ("product", "supported", "total", "fraction"):
        table.add_column(col)
    for product, row in per_product.items():
        table.add_row(product, f"{row['supported']:,}", f"{row['total']:,}", f"{row['fraction']:.0%}")
    console.print(table)


@app.command()
def alerts(
    rule: Annotated[str | None, typer.Option("--rule", help="Only alerts of this rule id.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 200,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """List alerts, most severe first, with their rule's author (attribution) and evidence count."""
    ws = Workspace.open(home)
    with ws.store.catalog() as cat:
        ensure_tables(cat)
        found = load_alerts(cat, rule_id=rule, limit=limit)
    if json:
        emit_json([a.model_dump(mode="json") for a in found])
        return
    table = Table(title=f"{len(found)} alerts")
    for col in ("level", "rule", "first", "count", "entities", "techniques", "author"):
        table.add_column(col)
    for a in found:
        table.add_row(a.rule_level, a.rule_title, a.first_time.isoformat(timespec="seconds"), str(a.count),
                      ", ".join(e.value for e in a.entities[:3]), ", ".join(a.techniques),
                      a.rule_author or "")
    console.print(table)


@app.command()
def coverage(
    rules: RulesOption = None,
    no_builtin: NoBuiltinOption = False,
    navigator: Annotated[Path | None, typer.Option("--navigator", help="Write an ATT&CK Navigator layer here.")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """ATT&CK techniques the enabled rules cover."""
    ws = Workspace.open(home)
    folders = [Path(p) for p in detect_config(ws.home).get("rules", [])] + list(rules or [])
    rows = coverage_rows(compile_rules(folders, include_builtin=not no_builtin))
    if navigator is not None:
        navigator.write_bytes(orjson.dumps(navigator_layer(rows), option=orjson.OPT_INDENT_2))
    if json:
        emit_json({"techniques": rows, "navigator": str(navigator) if navigator else None})
        return
    table = Table(title=f"{len(rows)} ATT&CK techniques covered")
    for col in ("technique", "name", "tactics", "rules"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["technique"], r["name"] or "", ", ".join(r["tactics"]), str(r["rules"]))
    console.print(table)
