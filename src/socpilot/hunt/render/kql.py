"""KQL for Microsoft Sentinel, over the ASIM normalizing parsers."""

from __future__ import annotations

from datetime import datetime

from socpilot.hunt.query import HuntQuery
from socpilot.hunt.render.base import Renderer, Syntax, targets
from socpilot.hunt.vocab import vocabulary

_UNITS = {"minutes": "m", "hours": "h", "days": "d", "weeks": "d"}


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _relative(amount: int, unit: str) -> str:
    return f"ago({amount * 7 if unit == 'weeks' else amount}{_UNITS[unit]})"


def _source(classes: list[str]) -> list[str]:
    tables = targets()["kql"]["tables"]
    names = list(dict.fromkeys(tables.get(c, tables["default"]) for c in classes)) or [tables["default"]]
    joined = ", ".join(names)
    return [f"union isfuzzy=true {joined}" if "," in joined else joined]


def _group(label: str, key: str, with_bytes: bool) -> list[str]:
    total = ", bytes = sum(coalesce(SrcBytes, 0) + coalesce(DstBytes, 0))" if with_bytes else ""
    return [f"| summarize events = count(), first_seen = min(TimeGenerated), "
            f"last_seen = max(TimeGenerated){total} by {label} = {key}"]


def _events(fields: list[str], order: str, limit: int) -> list[str]:
    return [f"| project {', '.join(fields)}", f"| order by TimeGenerated {order}", f"| take {limit}"]


def _sequence(r: Renderer, query: HuntQuery, now: datetime) -> list[str]:
    """One ``let`` per step, joined on the host (or user), each step after the previous within the window."""
    seq = query.sequence
    assert seq is not None
    key = r.key(vocabulary()["enrich_entities"][seq.by])
    lines = []
    for i, step in enumerate(seq.steps):
        lines += [f"let s{i} = " + _source(step.classes)[0]]
        lines += [f"| where {c}" for c in r.conditions(query, step.filters, now)]
        lines += [f"| project k = {key}, t{i} = TimeGenerated;"]
    lines.append("s0")
    for i in range(1, len(seq.steps)):
        lines += [f"| join kind=inner s{i} on k",
                  f"| where t{i} between (t{i - 1} .. (t{i - 1} + {seq.within_minutes}m))"]
    last = len(seq.steps) - 1
    return lines + [f"| summarize matches = count(), first_seen = min(t0), last_seen = max(t{last}) by {seq.by} = k",
                    "| order by matches desc", f"| take {query.limit}"]


SYNTAX = Syntax(
    name="kql",
    ops={"in_raw": "{f} in ({vs})",
         "equals": "{f} =~ {v}", "equals_raw": "{f} == {v}", "in": "{f} in~ ({vs})", "contains": "{f} contains {v}",
         "starts": "{f} startswith {v}", "ends": "{f} endswith {v}", "regex": "{f} matches regex {v}",
         "cidr": "ipv4_is_in_range({f}, {v})", "subdomain": "({f} =~ {v} or {f} endswith {dot})",
         "gt": "{f} > {v}", "ge": "{f} >= {v}", "lt": "{f} < {v}", "le": "{f} <= {v}", "exists": "isnotempty({f})"},
    string=_string, and_=" and ", or_=" or ", not_="not({x})", where="| where {cond}", comment="// {text}",
    coalesce="coalesce({args})", time_after="{t} >= {v}", time_before="{t} < {v}",
    instant=lambda t: f"datetime({t:%Y-%m-%dT%H:%M:%SZ})", relative=_relative,
    hour="hourofday({t})", weekend="dayofweek({t}) in (0d, 6d)", source=_source, group=_group,
    count="| summarize events = count()", distinct="| summarize {name} = dcount({key})", events=_events,
    sort="| order by {col} {dir}", limit="| take {n}", sequence=_sequence,
)


def render_kql(query: HuntQuery, now: datetime) -> str:
    return Renderer(SYNTAX).render(query, now)
