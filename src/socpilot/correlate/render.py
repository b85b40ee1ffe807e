"""Render a narrative document as text, Markdown, JSON or HTML.

Log values are hostile input: in every format they stay inert text. Text output drops
control and bidirectional-override characters (no terminal escapes, no reordered lines);
Markdown escapes every character with a meaning; HTML is autoescaped by Jinja2.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from socpilot.correlate.schema import AlertSummary, NarrativeDocument

FORMATS = ("text", "md", "json", "html")
_KIND_MARK = {"known": "KNOWN", "inferred": "INFERRED", "missing": "MISSING"}
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
         "\u200e", "\u200f"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_SAFE_ID = re.compile(r"^[A-Za-z0-9#:_-]+$")


def inert(value: object) -> str:
    """Text safe for a terminal: control characters shown as visible escapes, bidi overrides dropped."""
    out = []
    for ch in str(value):
        if ch in "\n\t":
            out.append(ch)
        elif ch in _BIDI:
            continue
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def md_escape(value: object) -> str:
    """A value as literal Markdown text: no emphasis, links, code, headings or raw HTML."""
    text = inert(value).replace("\n", " ").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_id(value: str) -> str:
    return f"`{value}`" if _SAFE_ID.match(value) else md_escape(value)


@dataclass(frozen=True)
class RuleRow:
    """The alerts of one rule in an incident, as one row: incidents can hold thousands of alerts."""

    rule_title: str
    rule_level: str
    rule_source: str
    rule_author: str | None
    alerts: int
    events: int
    first_alert: str
    first_time: datetime


def rule_rows(doc: NarrativeDocument) -> list[RuleRow]:
    groups: dict[str, list[AlertSummary]] = {}
    for alert in doc.alerts:
        groups.setdefault(alert.rule_id, []).append(alert)
    rows = [RuleRow(g[0].rule_title, g[0].rule_level, g[0].rule_source, g[0].rule_author, len(g),
                    sum(a.count for a in g), min(g, key=lambda a: a.first_time).id, min(a.first_time for a in g))
            for g in groups.values()]
    return sorted(rows, key=lambda r: (r.first_time, r.rule_title))


def _cites(ids: list[str], more: int) -> str:
    return ", ".join(ids) + (f" (+{more} more)" if more else "")


def to_text(doc: NarrativeDocument) -> str:
    lines = [
        f"{doc.incident_id}  {doc.title}",
        f"severity {doc.severity}  risk {doc.risk:g}  status {doc.status}",
        f"{doc.first_seen:%Y-%m-%d %H:%M:%S} .. {doc.last_seen:%Y-%m-%d %H:%M:%S} UTC",
        f"ATT&CK: {' > '.join(doc.tactics) or 'no tactic'}"
        + (f"  ({', '.join(doc.techniques)})" if doc.techniques else ""),
        "hosts: " + (", ".join(f"{h} [{', '.join(doc.host_ips.get(h, [])) or 'no IP known'}]" for h in doc.hosts)
                     or "none"),
        "users: " + (", ".join(doc.users) or "none"),
        "",
        "Story",
    ]
    for s in doc.sentences:
        lines.append(f"  [{_KIND_MARK[s.kind]}] {s.text}")
        lines.append(f"      evidence: {_cites(s.event_ids, s.more_events)}"
                     + (f"; alerts: {', '.join(s.alert_ids)}" if s.alert_ids else ""))
    lines += ["", f"Alerts ({len(doc.alerts)}, by rule)"]
    for r in rule_rows(doc):
        author = f", rule by {r.rule_author}" if r.rule_author else ""
        lines.append(f"  {r.first_alert}  [{r.rule_level}] {r.rule_title}: {r.alerts} alerts, {r.events} events"
                     f" ({r.rule_source}{author})")
    lines += ["", f"Timeline ({len(doc.timeline)} entries; times on the host clock)"]
    for e in doc.timeline:
        ref = e.alert_id or e.event_id
        lines.append(f"  {e.aligned_time:%Y-%m-%d %H:%M:%S}  {e.source:<10} {e.summary}  [{ref}]")
    counts = doc.counts
    lines += ["", f"Evidence: {counts.alert_events} alert events; host events {dict(counts.host_events)}; "
                  f"network records {dict(counts.network_records)}; identity records {dict(counts.identity_records)}"]
    return inert("\n".join(lines)) + "\n"


def to_markdown(doc: NarrativeDocument) -> str:
    e = md_escape
    lines = [
        f"# {e(doc.title)}",
        "",
        f"- **Incident:** {_md_id(doc.incident_id)}",
        f"- **Severity:** {e(doc.severity)} (risk {doc.risk:g}), **status:** {e(doc.status)}",
        f"- **Seen:** {doc.first_seen:%Y-%m-%d %H:%M:%S} to {doc.last_seen:%Y-%m-%d %H:%M:%S} UTC",
        f"- **ATT&CK:** {e(' → '.join(doc.tactics) or 'no tactic')}",
        f"- **Hosts:** {e(', '.join(doc.hosts) or 'none')}; **users:** {e(', '.join(doc.users) or 'none')}",
        "",
        "## Story",
        "",
    ]
    for s in doc.sentences:
        cites = ", ".join(_md_id(i) for i in s.event_ids) + (f" \\(\\+{s.more_events} more\\)" if s.more_events else "")
        lines.append(f"- **{_KIND_MARK[s.kind].title()}:** {e(s.text)} — evidence: {cites}")
    lines += ["", "## Alerts", "", "| first alert | level | rule | alerts | events | author |", "|---|---|---|---|---|---|"]
    for r in rule_rows(doc):
        lines.append(f"| {_md_id(r.first_alert)} | {e(r.rule_level)} | {e(r.rule_title)} | {r.alerts} | {r.events} | "
                     f"{e(r.rule_author or '')} |")
    lines += ["", "## Timeline", "", "| time (host clock) | source | what | ref |", "|---|---|---|---|"]
    for t in doc.timeline:
        lines.append(f"| {t.aligned_time:%Y-%m-%d %H:%M:%S} | {e(t.source)} | {e(t.summary)} | "
                     f"{_md_id(t.alert_id or t.event_id or '')} |")
    return "\n".join(lines) + "\n"


@cache
def _html_env() -> Environment:
    return Environment(loader=PackageLoader("socpilot.correlate", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def to_html(doc: NarrativeDocument) -> str:
    return _html_env().get_template("incident.html").render(doc=doc, rules=rule_rows(doc), marks=_KIND_MARK,
                                                            inert=inert)


def render(doc: NarrativeDocument, fmt: str = "text") -> str:
    if fmt == "text":
        return to_text(doc)
    if fmt == "md":
        return to_markdown(doc)
    if fmt == "json":
        return doc.model_dump_json(indent=2) + "\n"
    if fmt == "html":
        return to_html(doc)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
