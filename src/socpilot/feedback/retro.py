"""The retrospective of an incident: how fast we saw it, what caught each stage, what we missed,
and which data or rule would have caught the rest; written as Markdown for the team.

Missed stages are the kill-chain tactics between the first and last stage we saw that no
alert covered. For each, the techniques adversaries use most there (by the groups and
software ATT&CK links to them) are split into "we have the data, write the rule" and
"we lack the data component".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socpilot.api import Workspace
from socpilot.attack.knowledge import load
from socpilot.correlate import incident, list_incidents
from socpilot.correlate.render import md_escape
from socpilot.datasources import available_components, missing_components
from socpilot.store.query import parse, run_query

SUGGESTIONS_PER_STAGE = 4
_UPDATED = parse("SELECT status, updated_at FROM incidents WHERE id = ?")
_FIRST_EVIDENCE = parse("SELECT min(time) AS first FROM events WHERE id IN (SELECT unnest(?))")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not yet"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min"


def retrospective(ws: Workspace, incident_id: str) -> dict[str, Any]:
    doc = incident(ws, incident_id)
    found = next(i for i in list_incidents(ws) if i.id == doc.incident_id)
    con = ws.connect()
    try:
        began = run_query(con, _FIRST_EVIDENCE, [doc.evidence_ids])[0]["first"] or doc.first_seen
        row = run_query(con, _UPDATED, [doc.incident_id])
    finally:
        con.close()
    detected = min(a.first_time for a in doc.alerts)
    closed: datetime | None = row[0]["updated_at"] if row and row[0]["status"] == "closed" else None
    kb = load()
    order = [t.shortname for t in kb.tactics()]
    seen = [t for t in order if t in doc.tactics]
    caught = {t: sorted({a.rule_title for a in doc.alerts if t in a.tactics}) for t in seen}
    span = order[order.index(seen[0]): order.index(seen[-1]) + 1] if seen else []
    missed = [t for t in span if t not in seen]
    available = available_components(ws)
    suggestions = {t: _suggest(kb, t, available) for t in missed}
    return {"incident": doc.incident_id, "title": doc.title, "status": found.status,
            "activity_began": began, "detected": detected, "closed": closed,
            "time_to_detect": _duration((detected - began).total_seconds()),
            "time_to_close": _duration((closed - detected).total_seconds() if closed else None),
            "caught": caught, "missed": missed, "suggestions": suggestions}


def _suggest(kb: Any, tactic: str, available: dict[str, bool]) -> list[dict[str, Any]]:
    candidates = [t for t in kb.techniques() if tactic in t.tactics and not t.is_subtechnique]
    candidates.sort(key=lambda t: (-(len(t.groups) + len(t.software)), t.id))
    out = []
    for t in candidates[:SUGGESTIONS_PER_STAGE]:
        lacking = missing_components(t.data_components, available)
        have = [c for c in t.data_components if c not in lacking]
        out.append({"technique": t.id, "name": t.name, "have": have, "lack": lacking,
                    "advice": (f"write a rule on {', '.join(have[:3])}" if have
                               else f"collect {', '.join(lacking[:3]) or 'a data source'} first")})
    return out


def render_retro(retro: dict[str, Any]) -> str:
    lines = [f"# Retrospective: {md_escape(retro['title'])} (`{retro['incident']}`)", "",
             f"- Status: {retro['status']}",
             f"- Activity began: {retro['activity_began']:%Y-%m-%d %H:%M} UTC",
             f"- First alert: {retro['detected']:%Y-%m-%d %H:%M} UTC (time to detect: {retro['time_to_detect']})",
             f"- Closed: {retro['closed'] or 'not yet'} (time to close: {retro['time_to_close']})", "",
             "## What caught each stage", ""]
    for tactic, rules in retro["caught"].items():
        lines.append(f"- **{tactic}**: {', '.join(md_escape(r) for r in rules)}")
    lines += ["", "## Stages we did not see", ""]
    if not retro["missed"]:
        lines.append("No gap between the first and last stage seen.")
    for tactic in retro["missed"]:
        lines.append(f"- **{tactic}**")
        for s in retro["suggestions"][tactic]:
            lines.append(f"  - {s['technique']} {s['name']}: {s['advice']}")
    lines += ["", "## Suggested new detections", ""]
    rules = [s for t in retro["missed"] for s in retro["suggestions"][t] if s["have"]]
    lines += [f"- {s['technique']} {s['name']} from {', '.join(s['have'][:3])}" for s in rules] or ["None."]
    return "\n".join(lines) + "\n"
