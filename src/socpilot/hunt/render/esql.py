"""ES|QL for Elastic, over the Elastic Common Schema."""

from __future__ import annotations

from datetime import datetime

from socpilot.hunt.query import HuntQuery
from socpilot.hunt.render.base import Renderer, Syntax, targets


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _whole_match(pattern: str) -> str:
    """RLIKE matches the whole value and has no anchors: unanchored ends become ``.*``."""
    head = pattern[1:] if pattern.startswith("^") else ".*" + pattern
    return head[:-1] if head.endswith("$") and not head.endswith("\\$") else head + ".*"


def _source(classes: list[str]) -> list[str]:
    conf = targets()["esql"]
    lines = [f"FROM {conf['index']}"]
    categories = list(dict.fromkeys(conf["tables"][c] for c in classes if c in conf["tables"]))
    if categories:
        lines.append("| WHERE event.category IN (" + ", ".join(_string(c) for c in categories) + ")")
    return lines


def _group(label: str, key: str, with_bytes: bool) -> list[str]:
    total = ", bytes = SUM(COALESCE(source.bytes, 0) + COALESCE(destination.bytes, 0))" if with_bytes else ""
    return [f"| EVAL {label} = {key}",
            f"| STATS events = COUNT(*), first_seen = MIN(@timestamp), last_seen = MAX(@timestamp){total} BY {label}"]


def _events(fields: list[str], order: str, limit: int) -> list[str]:
    return [f"| SORT @timestamp {order}", f"| KEEP {', '.join(fields)}", f"| LIMIT {limit}"]


SYNTAX = Syntax(
    name="esql",
    ops={"equals": "TO_LOWER({f}) == {v}", "equals_raw": "{f} == {v}", "in": "TO_LOWER({f}) IN ({vs})",
         "contains": "TO_LOWER({f}) LIKE {star}", "starts": "STARTS_WITH(TO_LOWER({f}), {v})",
         "ends": "ENDS_WITH(TO_LOWER({f}), {v})", "regex": "{f} RLIKE {v}", "cidr": "CIDR_MATCH({f}, {v})",
         "subdomain": "(TO_LOWER({f}) == {v} OR ENDS_WITH(TO_LOWER({f}), {dot}))",
         "gt": "{f} > {v}", "ge": "{f} >= {v}", "lt": "{f} < {v}", "le": "{f} <= {v}", "exists": "{f} IS NOT NULL"},
    string=_string, and_=" AND ", or_=" OR ", not_="NOT ({x})", where="| WHERE {cond}", comment="// {text}",
    coalesce="COALESCE({args})", time_after="{t} >= {v}", time_before="{t} < {v}",
    instant=lambda t: f'TO_DATETIME("{t:%Y-%m-%dT%H:%M:%S.000Z}")',
    relative=lambda n, unit: f"NOW() - {n} {unit}",
    hour='DATE_EXTRACT("hour_of_day", {t})', weekend='DATE_EXTRACT("day_of_week", {t}) >= 6',
    source=_source, group=_group, count="| STATS events = COUNT(*)",
    distinct="| STATS {name} = COUNT_DISTINCT({key})", events=_events,
    sort="| SORT {col} {dir}", limit="| LIMIT {n}", desc="DESC", asc="ASC", regex=_whole_match,
)


def render_esql(query: HuntQuery, now: datetime) -> str:
    """ES|QL text over ECS fields."""
    return Renderer(SYNTAX).render(query, now)
