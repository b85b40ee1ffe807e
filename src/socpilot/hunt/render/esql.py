"""ES|QL for Elastic, over the Elastic Common Schema."""

from __future__ import annotations

from datetime import datetime

from socpilot.hunt.interpret import describe_time
from socpilot.hunt.query import HuntQuery, TimeRange
from socpilot.hunt.render.base import Renderer, Syntax, targets
from socpilot.hunt.vocab import vocabulary


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


def _eql_sequence(r: Renderer, query: HuntQuery, now: datetime) -> list[str]:
    """ES|QL has no sequences; Elastic's EQL does: the same hunt as an EQL sequence."""
    seq = query.sequence
    assert seq is not None
    eql = Renderer(EQL)
    categories = targets()["esql"]["tables"]
    by = eql.field(vocabulary()["enrich_entities"][seq.by][0])
    # EQL's maxspan bounds the whole sequence: the per-step window times the number of gaps
    span = seq.within_minutes * (len(seq.steps) - 1)
    lines = ["// ES|QL cannot express sequences: this is the hunt in EQL (Elastic event query language);",
             f"// set the search's time range to: {describe_time(query.time, now)}",
             f"sequence by {by} with maxspan={span}m"]
    timeless = query.model_copy(update={"time": TimeRange()})  # EQL takes its time range from the request
    for step in seq.steps:
        kinds = list(dict.fromkeys(categories[c] for c in step.classes if c in categories))
        category = kinds[0] if len(kinds) == 1 else "any"
        conds = eql.conditions(timeless, step.filters, now)
        if category == "any" and kinds:
            conds.insert(0, "event.category : (" + ", ".join(_string(k) for k in kinds) + ")")
        lines.append(f"  [{category} where {' and '.join(conds) or 'true'}]")
    return lines


EQL = Syntax(
    name="eql", fields_of="esql",
    ops={"in_raw": "{f} in ({vs})", "equals": "{f} : {v}", "equals_raw": "{f} == {v}", "in": "{f} : ({vs})",
         "contains": "{f} : {star}",
         "starts": "startsWith~({f}, {v})", "ends": "endsWith~({f}, {v})", "regex": "{f} regex~ {v}",
         "cidr": "cidrMatch({f}, {v})", "subdomain": "({f} : {v} or endsWith~({f}, {dot}))",
         "gt": "{f} > {v}", "ge": "{f} >= {v}", "lt": "{f} < {v}", "le": "{f} <= {v}", "exists": "{f} != null"},
    string=_string, and_=" and ", or_=" or ", not_="not ({x})", where="{cond}", comment="// {text}",
    coalesce="{args}", time_after="{t} >= {v}", time_before="{t} < {v}",
    # time is the request's, never part of an EQL query; sequences use only the parts below
    instant=str, relative=lambda n, unit: "", hour="", weekend="", source=lambda classes: [],
    group=lambda label, key, with_bytes: [], count="", distinct="", events=lambda fields, order, limit: [],
    sort="", limit="", regex=_whole_match, sequence=_eql_sequence,
)


SYNTAX = Syntax(
    name="esql",
    ops={"in_raw": "{f} IN ({vs})", "equals": "TO_LOWER({f}) == {v}", "equals_raw": "{f} == {v}", "in": "TO_LOWER({f}) IN ({vs})",
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
    sequence=_eql_sequence,
)


def render_esql(query: HuntQuery, now: datetime) -> str:
    """ES|QL text over ECS fields."""
    return Renderer(SYNTAX).render(query, now)
