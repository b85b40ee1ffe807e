"""SPL for Splunk, over the Common Information Model's tags and field names."""

from __future__ import annotations

from datetime import datetime

from socpilot.hunt.query import HuntQuery
from socpilot.hunt.render.base import Renderer, Syntax, targets
from socpilot.hunt.vocab import vocabulary

_UNITS = {"minutes": "m", "hours": "h", "days": "d", "weeks": "w"}


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _source(classes: list[str]) -> list[str]:
    tables = targets()["spl"]["tables"]
    if not classes:
        return [f"search {tables['default']}"]
    groups = list(dict.fromkeys(tables.get(c, tables["default"]) for c in classes))
    return ["search " + " OR ".join(f"({g})" for g in groups)]


def _group(label: str, key: str, with_bytes: bool) -> list[str]:
    total = " sum(eval(coalesce(bytes_out, 0) + coalesce(bytes_in, 0))) AS bytes" if with_bytes else ""
    return [f"| eval {label}={key}",
            f"| stats count AS events min(_time) AS first_seen max(_time) AS last_seen{total} BY {label}"]


def _events(fields: list[str], order: str, limit: int) -> list[str]:
    return [f"| sort {'-' if order == '-' else '+'} _time", f"| head {limit}", f"| table {' '.join(fields)}"]


def _sequence(r: Renderer, query: HuntQuery, now: datetime) -> list[str]:
    """Number each event by the step it matches, then keep each step that directly follows the
    previous one on the same host (or user) within the window."""
    seq = query.sequence
    assert seq is not None
    key = r.key(vocabulary()["enrich_entities"][seq.by])
    lines = _source(sorted({c for st in seq.steps for c in st.classes}))
    lines += [f"| where {c}" for c in r.conditions(query, [], now)]
    cases = ", ".join(f"{' AND '.join(r.filter(f) for f in st.filters) or 'true()'}, {i}"
                      for i, st in enumerate(seq.steps))
    last = len(seq.steps) - 1
    return lines + [
        f"| eval step=case({cases})", "| where isnotnull(step)", f"| eval {seq.by}={key}",
        f"| sort 0 {seq.by} _time",
        f"| streamstats current=f last(step) AS prev_step last(_time) AS prev_time BY {seq.by}",
        f"| where step=prev_step+1 AND _time-prev_time<={seq.within_minutes * 60}",
        f"| stats count AS matches min(prev_time) AS first_seen max(_time) AS last_seen "
        f"max(step) AS reached BY {seq.by}",
        f"| where reached={last}", "| sort - matches", f"| head {query.limit}"]


SYNTAX = Syntax(
    name="spl",
    ops={"in_raw": "in({f}, {vs})",
         "equals": "lower({f})={v}", "equals_raw": "{f}={v}", "in": "in(lower({f}), {vs})",
         "contains": "like(lower({f}), {pct})", "starts": "like(lower({f}), {pre})", "ends": "like(lower({f}), {suf})",
         "regex": "match({f}, {v})", "cidr": "cidrmatch({v}, {f})",
         "subdomain": "(lower({f})={v} OR like(lower({f}), {dotpct}))",
         "gt": "{f}>{v}", "ge": "{f}>={v}", "lt": "{f}<{v}", "le": "{f}<={v}", "exists": "isnotnull({f})"},
    string=_string, and_=" AND ", or_=" OR ", not_="NOT ({x})", where="| where {cond}", comment="``` {text} ```",
    coalesce="coalesce({args})", time_after="{t} >= {v}", time_before="{t} < {v}",
    instant=lambda t: f'strptime("{t:%Y-%m-%dT%H:%M:%S}Z", "%Y-%m-%dT%H:%M:%SZ")',
    relative=lambda n, unit: f'relative_time(now(), "-{n}{_UNITS[unit]}")',
    hour='tonumber(strftime({t}, "%H"))', weekend='in(strftime({t}, "%a"), "Sat", "Sun")',
    source=_source, group=_group, count="| stats count AS events",
    distinct="| eval {label}={key}\n| stats dc({label}) AS {name}", events=_events,
    sort="| sort {dir} {col}", limit="| head {n}", desc="-", asc="+", sequence=_sequence,
)


def render_spl(query: HuntQuery, now: datetime) -> str:
    return Renderer(SYNTAX).render(query, now)
