"""What every SIEM rendering shares: field mapping, filters, time, result shape.

A target supplies its syntax (a ``Syntax`` of templates) and field names
(render/targets.yaml); the walk over the HuntQuery is the same for all of them.
Renderings are for pasting into another tool, so values are inlined as escaped
literals there; socpilot itself only ever runs the parameterised SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from socpilot.hunt.compile import cidr_regex, event_columns
from socpilot.hunt.interpret import describe_time
from socpilot.hunt.query import Enrichment, Filter, HuntQuery
from socpilot.hunt.vocab import columns_of, vocabulary


@cache
def targets() -> dict[str, Any]:
    text = resources.files("socpilot.hunt.render").joinpath("targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Syntax:
    """Templates of one query language; ``{f}`` a field, ``{v}`` a literal, ``{t}`` the time field."""

    name: str
    ops: dict[str, str]
    string: Callable[[str], str]
    and_: str
    or_: str
    not_: str
    where: str
    comment: str
    coalesce: str
    time_after: str
    time_before: str
    instant: Callable[[datetime], str]
    relative: Callable[[int, str], str]
    hour: str  # hour of day of {t}
    weekend: str  # true on Saturday and Sunday for {t}
    source: Callable[[list[str]], list[str]]  # lines that select the event classes
    group: Callable[[str, str, bool], list[str]]  # (label, key expression, with bytes) -> lines
    count: str
    distinct: str  # {label}, {key}, {name}
    events: Callable[[list[str], str, int], list[str]]  # (fields, order, limit) -> lines
    sort: str  # {col} {dir}
    limit: str
    # "X then Y within N minutes" differs most between languages: each renders its own
    sequence: Callable[[Renderer, HuntQuery, datetime], list[str]]
    desc: str = "desc"
    asc: str = "asc"
    regex: Callable[[str], str] = str  # the pattern as this language's regex operator wants it
    fields_of: str = ""  # whose field names to use (default: this language's own)


class Renderer:
    def __init__(self, syntax: Syntax) -> None:
        self.s = syntax
        self.names: dict[str, str] = targets()[syntax.fields_of or syntax.name]["fields"]
        self.t = targets()[syntax.fields_of or syntax.name]["time"]

    def field(self, column: str) -> str:
        if column == "time":
            return self.t
        return column.removeprefix("fields.") if column.startswith("fields.") else self.names.get(column, column)

    def render(self, query: HuntQuery, now: datetime) -> str:
        s = self.s
        lines = [s.comment.format(text=f"socpilot hunt, {describe_time(query.time, now)}")]
        if query.sequence is not None:
            return "\n".join(lines + s.sequence(self, query, now))
        lines += s.source(query.classes)
        conditions = self.conditions(query, query.filters, now)
        conditions += [c for c in (self._enrichment(e) for e in query.enrich) if c]
        lines += [s.where.format(cond=c) for c in conditions]
        lines += [s.comment.format(text=n) for n in self._unexpressed(query.enrich)]
        if query.spread is not None:
            lines.append(s.comment.format(text=f"not expressed here, keep only results with at least "
                                               f"{query.spread.at_least} distinct values of {query.spread.entity}"))
        return "\n".join(lines + self._shape(query))

    # -- pieces ------------------------------------------------------------------------------
    def conditions(self, query: HuntQuery, filters: list[Filter], now: datetime) -> list[str]:
        """The query's source, time and the given filters as predicates of this language."""
        s, out = self.s, []
        if query.sources:
            out.append(self.filter(Filter(field="source", op="in", value=query.sources)))
        start, end = query.time.resolve(now)
        if query.time.kind == "last" and query.time.amount and query.time.unit:
            out.append(s.time_after.format(t=self.t, v=s.relative(query.time.amount, query.time.unit)))
        elif start is not None:
            out.append(s.time_after.format(t=self.t, v=s.instant(start)))
        if end is not None:
            out.append(s.time_before.format(t=self.t, v=s.instant(end)))
        hour = s.hour.format(t=self.t)
        if query.time.hour_from is not None:
            out.append(f"{hour} >= {query.time.hour_from}")
        if query.time.hour_to is not None:
            out.append(f"{hour} < {query.time.hour_to}")
        out += [self.filter(f) for f in filters]
        return out

    def filter(self, f: Filter) -> str:
        """One filter as a predicate of this language."""
        s = self.s
        columns = [f.field] if f.field.startswith("fields.") else columns_of(f.field)
        parts = [self._predicate(self.field(c), f) for c in columns]
        cond = parts[0] if len(parts) == 1 else "(" + s.or_.join(parts) + ")"
        return s.not_.format(x=cond) if f.negate else cond

    def _predicate(self, name: str, f: Filter) -> str:
        s, value = self.s, f.value
        if f.op == "exists":
            return s.ops["exists"].format(f=name)
        if f.op == "in":
            items = list(value)  # type: ignore[arg-type]
            if all(isinstance(v, int) for v in items):
                return s.ops["in_raw"].format(f=name, vs=", ".join(str(v) for v in items))
            return s.ops["in"].format(f=name, vs=", ".join(s.string(str(v).lower()) for v in items))
        if isinstance(value, bool):
            return s.ops["equals_raw"].format(f=name, v=str(value).lower())
        if isinstance(value, int):
            template = s.ops["equals_raw"] if f.op == "equals" else s.ops[f.op]
            return template.format(f=name, v=value)
        text = str(value)
        if f.op == "cidr":
            return s.ops["cidr"].format(f=name, v=s.string(text), re=s.string(cidr_regex(text)))
        if f.op == "regex":
            return s.ops["regex"].format(f=name, v=s.string(s.regex(text)))
        low = text.lower()
        return s.ops[f.op].format(f=name, v=s.string(low), dot=s.string("." + low),
                                  like=_like(low), star=s.string("*" + _wild(low) + "*"),
                                  pct=s.string("%" + _like(low) + "%"),
                                  pre=s.string(_like(low) + "%"), suf=s.string("%" + _like(low)),
                                  dotpct=s.string("%." + _like(low)))

    def _enrichment(self, e: Enrichment) -> str | None:
        if e.kind != "outside_hours":
            return None
        hours = vocabulary()["business_hours"]
        hour = self.s.hour.format(t=self.t)
        parts = [f"{hour} < {hours['start']}", f"{hour} >= {hours['end']}", self.s.weekend.format(t=self.t)]
        return "(" + self.s.or_.join(parts) + ")"

    def _unexpressed(self, enrich: list[Enrichment]) -> list[str]:
        why = {"registered": "domain registered within {days} days: join your WHOIS/registration lookup",
               "first_seen": "{entity} first seen within {days} days: needs a first-seen lookup or baseline",
               "rare": "{entity} seen on at most {max_count} {scope}s: needs a prevalence lookup",
               "asset": "host {attribute} = {value}: join your asset inventory",
               "identity": "user {attribute} = {value}: join your identity list"}
        return [f"not expressed here, {why[e.kind].format(**e.model_dump())}"
                for e in enrich if e.kind in why]

    def _shape(self, query: HuntQuery) -> list[str]:
        s = self.s
        if query.returns == "count":
            return [s.count]
        if query.returns == "events":
            fields = [self.field(c) for c in event_columns(query)]
            return s.events(list(dict.fromkeys(fields)), s.asc if query.order == "time_asc" else s.desc,
                            query.limit)
        entity = vocabulary()["entities"][query.returns]
        key = self.key(entity["columns"])
        if query.aggregate == "distinct_count":
            return [s.distinct.format(label=entity["label"], key=key, name=query.returns)]
        column, direction = {
            "count_desc": ("events", s.desc), "count_asc": ("events", s.asc), "bytes_desc": ("bytes", s.desc),
            "time_desc": ("last_seen", s.desc), "time_asc": ("first_seen", s.asc),
            "first_seen_desc": ("first_seen", s.desc)}[query.order or "count_desc"]
        return [*s.group(entity["label"], key, query.aggregate == "sum_bytes"),
                s.sort.format(col=column, dir=direction), s.limit.format(n=query.limit)]

    def key(self, columns: list[str]) -> str:
        """The first non-empty of these columns, in this language."""
        names = list(dict.fromkeys(self.field(c) for c in columns))
        return names[0] if len(names) == 1 else self.s.coalesce.format(args=", ".join(names))


def _like(text: str) -> str:
    return re.sub(r"([%_\\])", r"\\\1", text)


def _wild(text: str) -> str:
    return re.sub(r"([*?\\])", r"\\\1", text)
