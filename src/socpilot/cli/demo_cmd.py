"""``socpilot demo``: a fictional company's week of telemetry with one attack, run through every stage."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from socpilot.cli.app import HomeOption, JsonOption, app, console, emit_json, err_console
from socpilot.demo import DEFAULT_DAYS, DEFAULT_EVENTS, DEFAULT_HOSTS, DEFAULT_SEED
from socpilot.demo.org import MIN_HOSTS

_STORY_LINES = 30


@app.command()
def demo(
    hosts: Annotated[int, typer.Option("--hosts", min=MIN_HOSTS, help="Machines in the organisation.")] = DEFAULT_HOSTS,
    days: Annotated[int, typer.Option("--days", min=1, help="Days of activity, ending yesterday.")] = DEFAULT_DAYS,
    events: Annotated[int, typer.Option("--events", min=1000, help="Log records to generate, all sources.")] = DEFAULT_EVENTS,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = DEFAULT_SEED,
    serve: Annotated[bool, typer.Option("--serve", help="Open the web console on the result afterwards.")] = False,
    home: HomeOption = None,
    json: JsonOption = False,
) -> None:
    """Generate a realistic environment with one labelled attack, ingest it, detect, correlate, explain."""
    from socpilot.demo.run import run_demo

    say = None if json else (lambda msg: err_console.print(msg, highlight=False))
    run = run_demo(home, hosts=hosts, days=days, events=events, seed=seed, say=say)
    if json:
        emit_json(run.to_dict())
    else:
        _print(run)
    if serve:
        from socpilot.cli.web_cmd import serve as serve_cmd

        serve_cmd(home=run.manifest.out_dir.parent)


def _print(run) -> None:  # type: ignore[no-untyped-def]
    m = run.manifest
    facts = m.facts
    table = Table(title=f"{facts['company']}: {m.events:,} events, {facts['hosts']} hosts, "
                        f"{facts['first_day']} to the attack on {facts['attack_date']}")
    for col in ("source", "generated", "ingested", "quarantined"):
        table.add_column(col, justify="left" if col == "source" else "right")
    per = run.ingest.per_source()
    for source, n in m.counts.items():
        row = per.get(source, {})
        table.add_row(source, f"{n:,}", f"{row.get('records', 0):,}", f"{row.get('quarantined', 0):,}")
    console.print(table)
    again = sum(1 for r in run.ingest.results if r.skipped and "already" in r.skipped)
    if again:
        console.print(f"{again} input(s) were already in the store from an earlier run with the same data.")
    console.print("  ".join(f"{k} {v:.1f} s" for k, v in run.steps.items()))
    console.print(f"Raw logs: {m.raw_dir}   Ground truth: {m.ground_truth} ({m.attack_events} attack events)")
    console.print(f"Phishing email: {m.email}")
    score = (run.detection or {}).get("against_ground_truth")
    if score:
        console.print(f"Alerts: {score['alerts']:,}; on attack events {score['attack_alerts']:,} "
                      f"(stages {score['stages_alerted']}); on the benign background {score['benign_alerts']:,} "
                      f"= {score['benign_per_host_day']} per host per day")
    if run.top_incident:
        inc = run.top_incident
        cov = inc.get("ground_truth") or {}
        # The story without its evidence-id lines, which `socpilot show` prints in full.
        story = [line for line in (inc.get("summary") or inc["title"]).splitlines()
                 if not line.strip().startswith("evidence:")]
        body = "\n".join(story[:_STORY_LINES]) + (f"\n... ({len(story) - _STORY_LINES} more lines)"
                                                    if len(story) > _STORY_LINES else "")
        console.print(Panel(escape(body),
                            title=f"Look at this first: {inc['id']} ({inc['severity']}, risk {inc['risk']:.0f})",
                            subtitle=(f"covers attack stages {cov.get('stages')} of {cov.get('stages_total')}"
                                      if cov else None)))
        console.print(f"Full story with evidence: [bold]socpilot show {inc['id']} --home {m.out_dir.parent}[/bold]")
    elif run.top_alerts:
        lines = [f"[{a['level']}] {a['time'][:19]} {a['rule']}  {' '.join(a['entities'])}" for a in run.top_alerts]
        console.print(Panel("\n".join(lines), title="Look at these alerts first"))
    else:
        console.print(Panel(
            f"{facts['victim_email']} opened a macro document on {facts['victim_host']} on {facts['attack_date']}; "
            f"the stager beaconed to {facts['c2_domain']}, dumped LSASS, moved to {facts['lateral_target']}, "
            f"used {facts['admin']}'s cloud identity from {facts['attacker_country']} and uploaded finance data.\n"
            f"Stages not in this build yet: {', '.join(run.skipped)}. The ground truth lists every attack event.",
            title="The story in this data"))
    home = m.out_dir.parent
    if run.posture:
        findings = "; ".join(f"{f['title']} ({f['severity']}, {f['items']})" for f in run.posture)
        console.print(f"Security fundamentals: {findings}. Details: [bold]socpilot posture --home {home}[/bold]")
    console.print(f"Hunt: [bold]socpilot ask \"which hosts looked up domains registered in the last 30 days?\" "
                  f"--home {home}[/bold]")
    console.print(f"Open the web console: [bold]socpilot serve --home {home}[/bold]")
