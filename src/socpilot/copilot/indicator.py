"""Every place an indicator (IP, domain, URL, hash) appears, across all sources."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from sqlglot import exp

from socpilot.api import Workspace
from socpilot.copilot.answer import Answer
from socpilot.store.query import run_query

EVIDENCE = 10
_HASH = re.compile(r"^(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$", re.I)


def indicator_kind(value: str) -> str:
    text = value.strip()
    try:
        ipaddress.ip_address(text)
        return "ip"
    except ValueError:
        pass
    if _HASH.match(text):
        return "hash"
    if "://" in text:
        return "url"
    return "domain"


def _param() -> exp.Placeholder:
    return exp.Placeholder()


def _condition(kind: str) -> tuple[exp.Expr, int]:
    """The WHERE clause for an indicator kind and how many times the value is bound."""
    col = exp.column
    if kind == "ip":
        cond = exp.or_(*(exp.EQ(this=col(c), expression=_param()) for c in ("src_ip", "dst_ip", "host_ip")),
                       exp.func("list_contains", col("dns_answers"), _param()))
        return cond, 4
    if kind == "hash":
        cond = exp.or_(*(exp.EQ(this=exp.func("lower", col(c)), expression=_param())
                         for c in ("process_md5", "process_sha1", "process_sha256")))
        return cond, 3
    if kind == "url":
        return exp.func("contains", exp.func("lower", col("http_url")), _param()), 1
    # a domain matches itself and its subdomains wherever a name is recorded
    names = ("dns_query", "http_host", "tls_sni")
    exact = [exp.EQ(this=exp.func("lower", col(c)), expression=_param()) for c in names]
    below = [exp.func("ends_with", exp.func("lower", col(c)), _param()) for c in names]
    return exp.or_(*exact, *below), 6


def _values(kind: str, value: str, times: int) -> list[str]:
    v = value.strip().lower() if kind != "ip" else value.strip()
    if kind == "domain":
        return [v] * 3 + ["." + v] * 3
    return [v] * times


def indicator_answer(ws: Workspace, value: str, alerts: list[Any] | None = None,
                     incidents: list[Any] | None = None) -> Answer:
    kind = indicator_kind(value)
    cond, times = _condition(kind)
    tree = (
        exp.select(
            "source", "class_name",
            exp.alias_(exp.func("count", exp.Star()), "n"),
            exp.alias_(exp.func("min", exp.column("time")), "first_seen"),
            exp.alias_(exp.func("max", exp.column("time")), "last_seen"),
            exp.alias_(exp.func("array_agg", exp.column("id")), "ids"),
            exp.alias_(exp.func("array_agg", exp.Distinct(expressions=[exp.column("host_name")])), "hosts"),
        )
        .from_("events").where(cond).group_by("source", "class_name").order_by(exp.Ordered(this=exp.column("n"), desc=True))
    )
    con = ws.connect()
    try:
        rows = run_query(con, tree, _values(kind, value, times))
    finally:
        con.close()
    answer = Answer(question=value, route="indicator", title=f"Where {value} appears ({kind})",
                    data={"indicator": value, "kind": kind, "by_source": rows})
    if not rows:
        answer.say(f"{value} does not appear in any stored event.", kind="missing")
        return answer
    total = sum(r["n"] for r in rows)
    hosts = sorted({h for r in rows for h in r["hosts"] if h})
    first = min(r["first_seen"] for r in rows)
    last = max(r["last_seen"] for r in rows)
    answer.say(f"{value} appears in {total:,} events between {first:%Y-%m-%d %H:%M} and {last:%Y-%m-%d %H:%M} UTC"
               + (f", on {len(hosts)} host(s): {', '.join(hosts[:8])}" if hosts else "") + ".",
               [i for r in rows for i in r["ids"][:3]][:EVIDENCE])
    for r in rows:
        answer.say(f"{r['source']} {r['class_name']} records: {r['n']:,} (first {r['first_seen']:%Y-%m-%d %H:%M}, "
                   f"last {r['last_seen']:%Y-%m-%d %H:%M}).", r["ids"][:EVIDENCE])
    matched = {i for r in rows for i in r["ids"]}
    hit_alerts = [a for a in alerts or [] if matched & set(a.event_ids)]
    for a in hit_alerts[:10]:
        answer.say(f"It is evidence of the alert \u201c{a.rule_title}\u201d ({a.rule_level}).", [a.id])
    hit_incidents = [i for i in incidents or [] if {a.id for a in hit_alerts} & set(i.alert_ids)]
    for inc in hit_incidents[:5]:
        answer.say(f"It belongs to incident {inc.id}: {inc.title} (risk {inc.risk:.0f}, {inc.status}).", [inc.id])
    if not hit_alerts:
        answer.say(f"No alert cites {value}.", kind="missing")
    answer.next_questions = [f"what happened on {h}?" for h in hosts[:3]]
    return answer
