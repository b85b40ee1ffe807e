"""An entity's profile and timeline: what a host or a user did, from every source, in a time range."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from sqlglot import exp

from socpilot.api import Workspace
from socpilot.copilot.answer import Answer
from socpilot.inventory import load_assets, load_identities
from socpilot.inventory.names import normalise_host, normalise_user
from socpilot.store.query import run_query

EVIDENCE = 8
RARE_HOSTS = 2  # a process or domain seen on at most this many hosts is notable
Kind = Literal["host", "user"]


def _host_condition(name: str, ips: list[str]) -> tuple[exp.Expr, list[Any]]:
    short = exp.func("split_part", exp.func("lower", exp.column("host_name")), exp.Literal.string("."),
                     exp.Literal.number(1))
    cond: exp.Expr = exp.EQ(this=short, expression=exp.Placeholder())
    params: list[Any] = [name]
    if ips:
        for column in ("src_ip", "dst_ip"):
            cond = exp.or_(cond, exp.In(this=exp.column(column), expressions=[exp.Placeholder() for _ in ips]))
            params += ips
    return cond, params


def _user_condition(name: str) -> tuple[exp.Expr, list[Any]]:
    # CORP\alice, alice@corp.example, arn:...:user/alice and alice are one person
    pattern = r"(^|[\\/:])" + re.escape(name) + r"(@|$)"
    cond = exp.or_(*(exp.func("regexp_matches", exp.func("lower", exp.column(c)), exp.Placeholder())
                     for c in ("user_name", "target_user_name", "cloud_principal")))
    return cond, [pattern] * 3


def _in_range(cond: exp.Expr, params: list[Any], start: datetime | None,
              end: datetime | None) -> tuple[exp.Expr, list[Any]]:
    if start is not None:
        cond = exp.and_(cond, exp.GTE(this=exp.column("time"), expression=exp.Placeholder()))
        params = [*params, start]
    if end is not None:
        cond = exp.and_(cond, exp.LT(this=exp.column("time"), expression=exp.Placeholder()))
        params = [*params, end]
    return cond, params


def _select(*columns: exp.Expr | str) -> exp.Select:
    return exp.select(*columns).from_("events")


def _agg(name: str, arg: exp.Expr | None = None) -> exp.Expr:
    return exp.func(name, arg) if arg is not None else exp.func(name, exp.Star())


def entity_profile(ws: Workspace, kind: Kind, name: str, start: datetime | None = None,
                   end: datetime | None = None, alerts: list[Any] | None = None,
                   incidents: list[Any] | None = None) -> Answer:
    key = normalise_host(name) if kind == "host" else normalise_user(name)
    span = "" if start is None else f" between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC" if end else \
        f" since {start:%Y-%m-%d %H:%M} UTC"
    answer = Answer(question=name, route="entity_profile", title=f"{kind.capitalize()} {name}{span}")
    if key is None:
        answer.say(f"{name} is not a {kind} name socpilot can look up.", kind="missing")
        return answer
    asset = next((a for a in load_assets(ws) if a.hostname == key), None) if kind == "host" else None
    identity = next((i for i in load_identities(ws) if i.user == key), None) if kind == "user" else None
    if kind == "host":
        base, params = _host_condition(key, asset.ips if asset else [])
    else:
        base, params = _user_condition(key)
    cond, params = _in_range(base, params, start, end)
    per_source = (_select("source", "class_name", exp.alias_(_agg("count"), "n"),
                          exp.alias_(_agg("min", exp.column("time")), "first_seen"),
                          exp.alias_(_agg("max", exp.column("time")), "last_seen"),
                          exp.alias_(_agg("array_agg", exp.column("id")), "ids"))
                  .where(cond).group_by("source", "class_name").order_by("source", "class_name"))
    con = ws.connect()
    try:
        rows = run_query(con, per_source, params)
        notable = _notable(con, kind, cond, params)
    finally:
        con.close()
    answer.data = {"kind": kind, "name": key, "by_source": [{k: v for k, v in r.items() if k != "ids"} for r in rows],
                   "asset": asset.model_dump() if asset else None,
                   "identity": identity.model_dump() if identity else None}
    if asset:
        answer.say(f"Inventory: {asset.role or 'unknown role'}, owner {asset.owner or 'unknown'}, criticality "
                   f"{asset.criticality or 'unknown'}, addresses {', '.join(asset.ips) or 'none'}.",
                   [f"inventory:assets/{key}"])
    if identity:
        answer.say(f"Inventory: {identity.department or 'unknown department'}, groups "
                   f"{', '.join(identity.groups) or 'none'}, privileged {identity.privileged}, "
                   f"MFA enrolled {identity.mfa_enrolled}.", [f"inventory:identities/{key}"])
    if not rows:
        answer.say(f"No stored event mentions {name}{span}.", kind="missing")
        return answer
    total = sum(r["n"] for r in rows)
    first = min(r["first_seen"] for r in rows)
    last = max(r["last_seen"] for r in rows)
    sources = sorted({r["source"] for r in rows})
    answer.say(f"{total:,} events from {', '.join(sources)}; first seen {first:%Y-%m-%d %H:%M}, last seen "
               f"{last:%Y-%m-%d %H:%M} UTC.", [i for r in rows for i in r["ids"][:2]][:EVIDENCE])
    for r in rows:
        answer.say(f"{r['source']} {r['class_name']}: {r['n']:,} events.", r["ids"][:EVIDENCE])
    if kind == "host" and not any(r["source"] in ("zeek", "suricata") for r in rows):
        answer.say("No network-sensor record (Zeek, Suricata) is linked to this host.", kind="missing")
    _alerts_and_incidents(answer, kind, key, start, end, alerts or [], incidents or [])
    for line in notable:
        answer.say(line["text"], line["ids"], kind="known")
    answer.next_questions = [f"what alerted on {name}?", f"what should we do about {name}?"]
    return answer


def _alerts_and_incidents(answer: Answer, kind: str, key: str, start: datetime | None, end: datetime | None,
                          alerts: list[Any], incidents: list[Any]) -> None:
    def involved(alert: Any) -> bool:
        for e in alert.entities:
            value = normalise_host(e.value) if e.kind == "host" else normalise_user(e.value) if e.kind == "user" \
                else None
            if e.kind == kind and value == key:
                return True
        return False

    mine = sorted((a for a in alerts if involved(a) and (start is None or a.last_time >= start)
                   and (end is None or a.first_time < end)), key=lambda a: a.first_time)
    for a in mine[:15]:
        answer.say(f"{a.first_time:%Y-%m-%d %H:%M} alert \u201c{a.rule_title}\u201d ({a.rule_level}"
                   f"{', ' + ', '.join(a.techniques[:3]) if a.techniques else ''}).", [a.id, *a.event_ids[:2]])
    if not mine:
        answer.say(f"No alert names this {kind} in the range.", kind="missing")
    mine_ids = {a.id for a in mine}
    for inc in incidents:
        names = inc.hosts if kind == "host" else inc.users
        if mine_ids & set(inc.alert_ids) or key in {(normalise_host(n) if kind == "host" else normalise_user(n))
                                                     for n in names}:
            answer.say(f"Part of incident {inc.id}: {inc.title} ({inc.severity}, risk {inc.risk:.0f}, {inc.status}).",
                       [inc.id])


def _notable(con: Any, kind: str, cond: exp.Expr, params: list[Any]) -> list[dict[str, Any]]:
    """Logons, rare processes and rare destinations of the entity, each with its evidence."""
    lines: list[dict[str, Any]] = []
    logons = (_select("auth_outcome", exp.alias_(_agg("count"), "n"),
                      exp.alias_(_agg("array_agg", exp.column("id")), "ids"),
                      exp.alias_(exp.func("array_agg", exp.Distinct(expressions=[exp.column("src_ip")])), "from_ips"))
              .where(exp.and_(cond, exp.EQ(this=exp.column("class_name"), expression=exp.Literal.string("authentication"))))
              .group_by("auth_outcome"))
    for r in run_query(con, logons, params):
        ips = [ip for ip in r["from_ips"] if ip][:5]
        lines.append({"text": f"{r['n']:,} {r['auth_outcome'] or 'unknown-outcome'} logon/sign-in event(s)"
                              + (f" from {', '.join(ips)}" if ips else "") + ".", "ids": r["ids"][:EVIDENCE]})
    for column, label in (("process_name", "process"), ("dns_query", "domain")):
        fleet = (exp.select(exp.alias_(exp.column(column), "v"),
                            exp.alias_(exp.func("count", exp.Distinct(expressions=[exp.column("host_name")])), "hosts"))
                 .from_("events").where(exp.Not(this=exp.Is(this=exp.column(column), expression=exp.Null())))
                 .group_by(exp.column(column)))
        mine = (_select(exp.alias_(exp.column(column), "v"), exp.alias_(_agg("min", exp.column("time")), "first"),
                        exp.alias_(_agg("array_agg", exp.column("id")), "ids"))
                .where(cond).group_by(exp.column(column)))
        tree = (exp.select("m.v", "m.first", "m.ids", "f.hosts").from_(mine.subquery("m"))
                .join(fleet.subquery("f"), on=exp.EQ(this=exp.column("v", "m"), expression=exp.column("v", "f")))
                .where(exp.LTE(this=exp.column("hosts", "f"), expression=exp.Literal.number(RARE_HOSTS)))
                .order_by("m.first").limit(10))
        for r in run_query(con, tree, params):
            lines.append({"text": f"{r['first']:%Y-%m-%d %H:%M} rare {label} {r['v']} (seen on {r['hosts']} "
                                  f"host(s) in the whole store).", "ids": r["ids"][:EVIDENCE]})
    return lines
