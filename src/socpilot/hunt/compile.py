"""HuntQuery -> sqlglot expression tree with bound parameters, for DuckDB and ClickHouse.

Every value from the question becomes a parameter; the tree's shape depends only on
the HuntQuery's structure (which fields, which operators), never on its values, so
hostile text in a question cannot change what the query does.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlglot import exp

from socpilot.hunt.query import Enrichment, Filter, HuntQuery
from socpilot.hunt.vocab import columns_of, vocabulary
from socpilot.model.event import EVENT_ARROW_SCHEMA

_PLACEHOLDER = re.compile(r"\$(p\d+)\b")
_TEXT_TYPES = {name for name in EVENT_ARROW_SCHEMA.names
               if str(EVENT_ARROW_SCHEMA.field(name).type) == "string"}


@dataclass
class Compiled:
    """A compiled hunt: the tree (named placeholders ``p0..``) and the values they bind."""

    tree: exp.Expr
    values: dict[str, Any]

    def sql(self, dialect: str = "duckdb") -> str:
        """The SQL text with ``?`` placeholders (ClickHouse: typed ``{pN:Type}``)."""
        if dialect == "clickhouse":
            return self.tree.transform(self._typed).sql(dialect="clickhouse")
        return _PLACEHOLDER.sub("?", self.tree.sql(dialect=dialect))

    def params(self) -> list[Any]:
        """The values in the order the ``?`` placeholders appear in :meth:`sql`."""
        return [self.values[name] for name in _PLACEHOLDER.findall(self.tree.sql(dialect="duckdb"))]

    def _typed(self, node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name in self.values:
            return exp.Placeholder(this=node.name, kind=exp.DataType.build(_clickhouse_type(self.values[node.name]),
                                                                            dialect="clickhouse"))
        return node


def _clickhouse_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, datetime):
        return "DateTime64(6, 'UTC')"
    if isinstance(value, list):
        return "Array(Int64)" if value and all(isinstance(v, int) for v in value) else "Array(String)"
    return "String"


@dataclass
class _Binder:
    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> exp.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return exp.Placeholder(this=name)


def compile_hunt(query: HuntQuery, now: datetime | None = None) -> Compiled:
    """Compile a HuntQuery; relative time ranges resolve against ``now`` (default: the clock)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    b = _Binder()
    if query.sequence is not None:
        tree = _sequence(query, now, b)
    else:
        where = _conditions(query.classes, query.filters, query, now, b)
        where += [_enrichment(e, query, now, b) for e in query.enrich]
        tree = _select(query, where, b)
    return Compiled(tree, b.values)


# -- shapes --------------------------------------------------------------------------------

def _select(query: HuntQuery, where: list[exp.Expr], b: _Binder) -> exp.Expr:
    base = exp.select().from_("events")
    if query.returns == "count":
        tree = base.select(exp.alias_(exp.Count(this=exp.Star()), "events"))
        return _where(tree, where)
    if query.returns == "events":
        tree = base.select(*[exp.column(c) for c in event_columns(query)])
        order = exp.Ordered(this=exp.column("time"), desc=query.order != "time_asc")
        return _where(tree, where).order_by(order).limit(b.bind(query.limit))
    entity = vocabulary()["entities"][query.returns]
    key = _first_of(entity["columns"])
    if query.returns == "hosts":
        base, key = _with_inventory_hosts(base), _host_key()
    where = [*where, exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))]
    if query.aggregate == "distinct_count":
        tree = base.select(exp.alias_(exp.Count(this=exp.Distinct(expressions=[key])), query.returns))
        return _where(tree, where)
    tree = base.select(
        exp.alias_(key, entity["label"]),
        exp.alias_(exp.Count(this=exp.Star()), "events"),
        exp.alias_(exp.Min(this=exp.column("time")), "first_seen"),
        exp.alias_(exp.Max(this=exp.column("time")), "last_seen"),
    )
    if query.aggregate == "sum_bytes":
        total = exp.Add(this=exp.Coalesce(this=exp.column("bytes_out"), expressions=[exp.Literal.number(0)]),
                        expression=exp.Coalesce(this=exp.column("bytes_in"), expressions=[exp.Literal.number(0)]))
        tree = tree.select(exp.alias_(exp.Sum(this=total), "bytes"))
    spread = None
    if query.spread is not None:
        spread = exp.Count(this=exp.Distinct(expressions=[_first_of(
            vocabulary()["enrich_entities"][query.spread.entity])]))
        tree = tree.select(exp.alias_(spread, f"distinct_{query.spread.entity}"))
    tree = _where(tree, where).group_by(exp.Literal.number(1))
    if spread is not None and query.spread is not None:
        tree = tree.having(exp.GTE(this=spread.copy(), expression=b.bind(query.spread.at_least)))
    return tree.order_by(*_entity_order(query.order or "count_desc")).limit(b.bind(query.limit))


def _entity_order(order: str) -> list[exp.Ordered]:
    column, desc = {
        "count_desc": ("events", True), "count_asc": ("events", False), "bytes_desc": ("bytes", True),
        "time_desc": ("last_seen", True), "time_asc": ("first_seen", False),
        "first_seen_desc": ("first_seen", True),
    }[order]
    # the entity itself breaks ties, so results are stable from run to run
    return [exp.Ordered(this=exp.column(column), desc=desc), exp.Ordered(this=exp.Literal.number(1))]


def _sequence(query: HuntQuery, now: datetime, b: _Binder) -> exp.Expr:
    """Steps as CTEs joined on the same host/user, each step after the last and within the window."""
    seq = query.sequence
    assert seq is not None
    by_host = seq.by == "host"
    key = _host_key() if by_host else _first_of(vocabulary()["enrich_entities"]["user"])
    label = "host" if by_host else "user"
    tree = exp.select()
    for i, step in enumerate(seq.steps):
        cte = exp.select(exp.alias_(key.copy(), "k"), exp.column("time", table="events")).from_("events")
        cte = _with_inventory_hosts(cte) if by_host else cte
        cte = _where(cte, [*_conditions(step.classes, step.filters, query, now, b),
                           exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))])
        tree = tree.with_(f"s{i}", as_=cte)
    tree = tree.select(
        exp.alias_(exp.column("k", table="s0"), label),
        exp.alias_(exp.Count(this=exp.Star()), "matches"),
        exp.alias_(exp.Min(this=exp.column("time", table="s0")), "first_seen"),
        exp.alias_(exp.Max(this=exp.column("time", table=f"s{len(seq.steps) - 1}")), "last_seen"),
    ).from_("s0")
    window = b.bind(seq.within_minutes * 60)
    for i in range(1, len(seq.steps)):
        prev, cur = exp.column("time", table=f"s{i - 1}"), exp.column("time", table=f"s{i}")
        on = exp.and_(
            exp.EQ(this=exp.column("k", table=f"s{i}"), expression=exp.column("k", table="s0")),
            exp.GTE(this=cur, expression=prev),
            exp.LTE(this=exp.DateDiff(this=cur.copy(), expression=prev.copy(), unit=exp.var("SECOND")),
                    expression=window.copy()),
        )
        tree = tree.join(f"s{i}", on=on)
    tree = tree.group_by(exp.Literal.number(1))
    return tree.order_by(exp.Ordered(this=exp.column("matches"), desc=True),
                         exp.Ordered(this=exp.Literal.number(1))).limit(b.bind(query.limit))


def _with_inventory_hosts(tree: exp.Select) -> exp.Select:
    """Join each event's source address to the inventory host that owns it (one name per IP)."""
    owners = (exp.select(exp.column("ip"), exp.alias_(exp.Min(this=exp.column("name")), "name"))
              .from_("hunt_host_ips").group_by(exp.column("ip")))
    return tree.join(owners.subquery("inv"), on=exp.EQ(this=exp.column("ip", table="inv"),
                                                        expression=exp.column("src_ip", table="events")),
                     join_type="left")


def _host_key() -> exp.Expr:
    """A host as one name: its short name (no DNS suffix), else the inventory host of its source IP,
    else the source IP itself (network sensors know hosts only by address)."""
    short = exp.Lower(this=exp.func("regexp_replace", exp.column("host_name", table="events"),
                                    exp.Literal.string(r"\..*$"), exp.Literal.string("")))
    return exp.Coalesce(this=short, expressions=[exp.column("name", table="inv"),
                                                 exp.column("src_ip", table="events")])


def _where(tree: exp.Select, conditions: list[exp.Expr]) -> exp.Select:
    return tree.where(exp.and_(*conditions)) if conditions else tree


def event_columns(query: HuntQuery) -> list[str]:
    """The columns shown for matching events: the common ones, then those of the query's classes."""
    shown = vocabulary()["event_columns"]
    extra: list[str] = []
    for cls in query.classes or ["default"]:
        for col in shown.get(cls, shown["default"]):
            if col not in extra:
                extra.append(col)
    return ["time", "source", "class_name", *extra, "id"]


# -- conditions ----------------------------------------------------------------------------

def _conditions(classes: list[str], filters: list[Filter], query: HuntQuery, now: datetime,
                b: _Binder) -> list[exp.Expr]:
    out: list[exp.Expr] = []
    if classes:
        out.append(_in_list(exp.column("class_name"), classes, b))
    if query.sources:
        out.append(_in_list(exp.column("source"), query.sources, b))
    start, end = query.time.resolve(now)
    if start is not None:
        out.append(exp.GTE(this=exp.column("time"), expression=b.bind(start)))
    if end is not None:
        out.append(exp.LT(this=exp.column("time"), expression=b.bind(end)))
    hour = exp.Extract(this=exp.var("HOUR"), expression=exp.column("time"))
    if query.time.hour_from is not None:
        out.append(exp.GTE(this=hour, expression=b.bind(query.time.hour_from)))
    if query.time.hour_to is not None:
        out.append(exp.LT(this=hour.copy(), expression=b.bind(query.time.hour_to)))
    out.extend(filter_condition(f, b) for f in filters)
    return out


def _in_list(column: exp.Expr, values: list[str], b: _Binder) -> exp.Expr:
    # classes and sources come from the vocabulary, never from question text: a plain IN
    # keeps Parquet statistics usable for pruning
    if len(values) == 1:
        return exp.EQ(this=column, expression=b.bind(values[0]))
    return column.isin(*[b.bind(v) for v in values])


def filter_condition(f: Filter, b: _Binder) -> exp.Expr:
    """One filter as a predicate; a virtual field matches when any of its columns does."""
    columns = [_column(name, b) for name in _filter_columns(f.field)]
    parts = [_predicate(col, f, text=_is_text(f.field)) for col in columns]
    values = [_bind_value(f, b)] if f.op != "exists" else []
    cond = exp.or_(*[p(*[v.copy() for v in values]) for p in parts]) if len(parts) > 1 else parts[0](*values)
    compound = len(parts) > 1
    if f.field == "host" and f.op in ("equals", "in"):
        # network sensors see a host only by its addresses: the inventory knows which are its
        owned = _host_ips(b.bind(_host_names(f.value)))
        cond = exp.or_(cond, *[exp.column(c).isin(query=owned.copy()) for c in ("src_ip", "dst_ip")])
        compound = True
    if f.negate:
        return exp.Not(this=exp.Coalesce(this=exp.paren(cond), expressions=[exp.false()]))
    return exp.paren(cond) if compound else cond


def _host_names(value: object) -> list[str]:
    """A host's names as the inventory keys them: as given and without the DNS suffix."""
    given = value if isinstance(value, list) else [value]
    return sorted({str(v).lower() for v in given} | {str(v).lower().split(".")[0] for v in given})


def _host_ips(names: exp.Expr) -> exp.Select:
    """The inventory IPs of the hosts in the bound list ``names``."""
    return exp.select(exp.column("ip")).from_("hunt_host_ips").where(
        exp.ArrayContains(this=names, expression=exp.column("name")))


def _filter_columns(name: str) -> list[str]:
    return [name] if name.startswith("fields.") else columns_of(name)


def _column(name: str, b: _Binder) -> exp.Expr:
    if name.startswith("fields."):
        return exp.Bracket(this=exp.column("fields"), expressions=[b.bind(name.removeprefix("fields."))])
    return exp.column(name)


def _is_text(name: str) -> bool:
    return name.startswith("fields.") or all(c in _TEXT_TYPES for c in columns_of(name))


def _bind_value(f: Filter, b: _Binder) -> exp.Placeholder:
    value: Any = f.value
    if f.op == "cidr":
        value = cidr_regex(str(value))
    elif f.op == "in":
        items = list(value)  # type: ignore[arg-type]
        value = items if all(isinstance(v, int) for v in items) else [str(v).lower() for v in items]
    elif f.op == "regex":
        value = "(?i)" + str(value)
    elif isinstance(value, str):
        value = value.lower()
    return b.bind(value)


def _predicate(col: exp.Expr, f: Filter, text: bool):  # type: ignore[no-untyped-def]
    """A function of the bound value placeholder(s) giving the predicate on one column."""
    low = exp.Lower(this=col) if text else col
    op = f.op
    if op == "exists":
        return lambda: exp.Not(this=exp.Is(this=col.copy(), expression=exp.Null()))
    if op == "equals":
        return lambda v: exp.EQ(this=low.copy(), expression=v)
    if op == "in":
        return lambda v: exp.ArrayContains(this=v, expression=low.copy())
    if op == "contains":
        return lambda v: exp.GT(this=exp.StrPosition(this=low.copy(), substr=v), expression=exp.Literal.number(0))
    if op == "starts":
        return lambda v: exp.StartsWith(this=low.copy(), expression=v)
    if op == "ends":
        return lambda v: exp.EndsWith(this=low.copy(), expression=v)
    if op == "subdomain":  # the domain itself or any name below it
        return lambda v: exp.or_(
            exp.EQ(this=low.copy(), expression=v),
            exp.EndsWith(this=low.copy(), expression=exp.DPipe(this=exp.Literal.string("."), expression=v.copy())))
    if op in ("regex", "cidr"):
        return lambda v: exp.RegexpLike(this=col.copy(), expression=v)
    comparison = {"gt": exp.GT, "ge": exp.GTE, "lt": exp.LT, "le": exp.LTE}[op]
    return lambda v: comparison(this=col.copy(), expression=v)


def cidr_regex(cidr: str) -> str:
    """An anchored regular expression matching the dotted IPv4 addresses inside ``cidr``.

    Portable SQL has no CIDR type; the network's whole octets are literal and the
    partial octet is an alternation of the values it may take.
    """
    net = ipaddress.ip_network(cidr, strict=False)
    if net.version != 4:
        raise ValueError(f"only IPv4 networks are supported: {cidr}")
    octets = str(net.network_address).split(".")
    whole, rest = divmod(net.prefixlen, 8)
    parts = [re.escape(o) for o in octets[:whole]]
    if rest:
        first = int(octets[whole])
        parts.append("(" + "|".join(str(v) for v in range(first, first + 2 ** (8 - rest))) + ")")
    tail = 4 - len(parts)
    return "^" + r"\.".join(parts + [r"\d{1,3}"] * tail) + "$"


# -- enrichment ----------------------------------------------------------------------------

def _first_of(columns: list[str]) -> exp.Expr:
    cols = [exp.column(c) for c in columns]
    return cols[0] if len(cols) == 1 else exp.Coalesce(this=cols[0], expressions=cols[1:])


def _entity_key(e: Enrichment) -> exp.Expr:
    return _first_of(vocabulary()["enrich_entities"][e.entity or "domain"])


def _lower(node: exp.Expr) -> exp.Expr:
    return exp.Lower(this=exp.Cast(this=node, to=exp.DataType.build("text")))


def _pair(scope: exp.Expr, key: exp.Expr) -> exp.Expr:
    text = exp.DataType.build("text")
    return exp.DPipe(this=exp.DPipe(this=exp.Cast(this=scope, to=text), expression=exp.Literal.string("|")),
                     expression=exp.Cast(this=key, to=text))


def _enrichment(e: Enrichment, query: HuntQuery, now: datetime, b: _Binder) -> exp.Expr:
    key = _entity_key(e)
    if e.kind == "outside_hours":
        hours = vocabulary()["business_hours"]
        hour = exp.Extract(this=exp.var("HOUR"), expression=exp.column("time"))
        # ISO day of week (Monday 1 .. Sunday 7) means the same in DuckDB and ClickHouse
        dow = exp.DayOfWeekIso(this=exp.column("time"))
        return exp.paren(exp.or_(
            exp.LT(this=hour, expression=exp.Literal.number(hours["start"])),
            exp.GTE(this=hour.copy(), expression=exp.Literal.number(hours["end"])),
            exp.GTE(this=dow, expression=exp.Literal.number(6)),
        ))
    if e.kind == "registered":
        since = b.bind(now - timedelta(days=e.days or 30))
        sub = exp.select(exp.Lower(this=exp.column("domain"))).from_("intel_domains").where(
            exp.GTE(this=exp.column("created"), expression=since))
        return exp.Lower(this=key).isin(query=sub)
    if e.kind == "first_seen":
        # with a scope, "new" is per host/user: the (scope, value) pair first appeared recently
        target = key if e.scope is None else _pair(_first_of(vocabulary()["enrich_entities"][e.scope]), key)
        since = b.bind(now - timedelta(days=e.days or 7))
        sub = (exp.select(target.copy()).from_("events")
               .where(exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null())))
               .group_by(exp.Literal.number(1))
               .having(exp.GTE(this=exp.Min(this=exp.column("time")), expression=since)))
        if e.scope is None:
            return target.isin(query=sub)
        # new for that host/user only if the host/user was already seen before the window
        scope = _first_of(vocabulary()["enrich_entities"][e.scope])
        known = (exp.select(scope.copy()).from_("events")
                 .where(exp.LT(this=exp.column("time"), expression=since.copy())).group_by(exp.Literal.number(1)))
        return exp.and_(target.isin(query=sub), scope.copy().isin(query=known))
    if e.kind == "rare":
        scope = _first_of(vocabulary()["enrich_entities"][e.scope or "host"])
        sub = (exp.select(key.copy()).from_("events")
               .where(exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null())))
               .group_by(exp.Literal.number(1))
               .having(exp.LTE(this=exp.Count(this=exp.Distinct(expressions=[scope])),
                               expression=b.bind(e.max_count or 2))))
        return key.isin(query=sub)
    return _inventory(e, b)


def _inventory(e: Enrichment, b: _Binder) -> exp.Expr:
    """Asset or identity attribute: the event's host/user is listed with that attribute value."""
    vocab = vocabulary()
    if e.kind == "asset":
        table, allowed, entity = "hunt_assets", vocab["asset_attributes"], "host"
    else:
        table, allowed, entity = "hunt_identities", vocab["identity_attributes"], "user"
    attribute = e.attribute or ""
    if attribute not in allowed:
        raise ValueError(f"unknown {e.kind} attribute {attribute!r}; known: {', '.join(allowed)}")
    attr = _lower(exp.column(attribute))
    if isinstance(e.value, bool):
        test: exp.Expr = exp.EQ(this=exp.column(attribute), expression=b.bind(e.value))
    elif attribute == "groups":  # a ';'-separated list: match one whole member
        wrapped = exp.DPipe(this=exp.DPipe(this=exp.Literal.string(";"), expression=attr),
                            expression=exp.Literal.string(";"))
        test = exp.GT(
            this=exp.StrPosition(this=wrapped, substr=b.bind(f";{str(e.value).lower()};")),
            expression=exp.Literal.number(0))
    else:  # "domain controller", "domain_controller" and "Domain-Controller" are one role
        spaced = exp.func("regexp_replace", attr, exp.Literal.string(r"[\s_-]+"), exp.Literal.string(" "))
        test = exp.EQ(this=spaced, expression=b.bind(re.sub(r"[\s_-]+", " ", str(e.value).lower())))
    key = _first_of(vocab["enrich_entities"][entity])
    names = [_stripped(key, r"^.*\\")]  # an account as the identity list keys it: no DOMAIN\ prefix
    if entity == "host":  # a host by its name, its short name (no DNS suffix) or its IP
        names = [exp.Lower(this=key.copy()), _stripped(key, r"\..*$")]
    return exp.or_(*[n.isin(query=exp.select(exp.column("name")).from_(table).where(test.copy())) for n in names])


def _stripped(key: exp.Expr, pattern: str) -> exp.Expr:
    return exp.Lower(this=exp.func("regexp_replace", key.copy(), exp.Literal.string(pattern), exp.Literal.string("")))
