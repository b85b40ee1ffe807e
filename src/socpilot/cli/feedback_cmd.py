"""``socpilot verdict``, ``socpilot suppress`` and ``socpilot retro``: learning from outcomes."""

from __future__ import annotations

import getpass
from typing import Annotated, cast

import typer
from rich.markdown import Markdown
from rich.table import Table

from socpilot.api import Workspace
from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json
from socpilot.cli.detect_cmd import rules_app
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


@rules_app.command("stats")
def rules_stats(home: HomeOption = None, json: JsonOption = False) -> None:
    """Per rule: alerts and events over time, verdicts, precision, suppressions and tuning in force."""
    from socpilot.correlate import list_incidents, stored_alerts
    from socpilot.feedback import list_verdicts
    from socpilot.feedback.stats import alert_verdicts, rule_stats
    from socpilot.feedback.tune import enabled_filters

    ws = Workspace.open(home)
    alerts = stored_alerts(ws)
    rows = rule_stats(alerts, alert_verdicts(alerts, list_verdicts(ws), list_incidents(ws)), list_suppressions(ws),
                      enabled_filters(ws))
    if json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} rules with alerts")
    for col in ("rule", "level", "alerts", "events", "TP", "FP", "benign", "precision", "tuning"):
        table.add_column(col)
    for r in rows:
        tuning = ", ".join(filter(None, ["filter" if r["filter"] else "", *r["suppressions"]]))
        table.add_row(r["title"][:60], r["level"], str(r["alerts"]), str(r["events"]), str(r["true_positive"]),
                      str(r["false_positive"]), str(r["benign"]),
                      "" if r["precision"] is None else f"{r['precision']:.2f}", tuning)
    console.print(table)


@app.command()
def tune(
    rule: Annotated[str, typer.Argument(help="The rule id.")],
    enable: Annotated[bool, typer.Option("--enable", help="Write the back-tested filter where detection loads it.")]
    = False,
    who: Annotated[str | None, typer.Option(help="Who enables it (default: the OS user).")] = None,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Suggest the Sigma filter that removes a rule's false positives, back-tested on stored alerts."""
    from sigma.rule import SigmaRule

    from socpilot.correlate import list_incidents, stored_alerts
    from socpilot.detect.config import rule_folders
    from socpilot.detect.loader import load
    from socpilot.feedback import list_verdicts
    from socpilot.feedback.stats import alert_verdicts
    from socpilot.feedback.tune import enable_filter, suggest_filter

    ws = Workspace.open(home)
    found = next(((r.title, r.logsource) for _, r in load(rule_folders(ws.home)).rules()
                  if isinstance(r, SigmaRule) and str(r.id) == rule), None)
    if found is None:
        raise typer.BadParameter(f"no enabled rule has id {rule}")
    title, logsource = found
    source = {k: v for k, v in {"category": logsource.category, "product": logsource.product,
                                "service": logsource.service}.items() if v}
    alerts = stored_alerts(ws)
    try:
        suggestion = suggest_filter(ws, rule, title, source, alerts,
                                    alert_verdicts(alerts, list_verdicts(ws), list_incidents(ws)))
    except ValueError as exc:
        console.print(str(exc))
        raise typer.Exit(1) from None
    path = enable_filter(ws, suggestion, who or getpass.getuser()) if enable else None
    if json:
        emit_json({**suggestion.to_dict(), "enabled": str(path) if path else None})
        return
    console.print(suggestion.document, highlight=False, markup=False)
    console.print(f"back-test: removes {suggestion.false_positives_removed}/{suggestion.false_positives} false "
                  f"positives, keeps {suggestion.true_positives_kept}/{suggestion.true_positives} true positives, "
                  f"removes {suggestion.unlabelled_removed}/{suggestion.unlabelled} unjudged alerts")
    console.print(f"enabled: {path} (re-run `socpilot detect --all`)" if path else "not enabled: add --enable")
