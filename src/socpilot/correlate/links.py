"""Cross-source links: which IPs are which host, how far a host's clock is off, what an IP was called.

A host's IPs are learned from its own telemetry (the IP it reports, the local side of its
Sysmon network connections, logons naming it as workstation) and from the inventory;
with them, network-sensor records (Zeek, Suricata) join the host's Windows events. When
the host and the sensor disagree about the time, the connections both saw measure by
how much, so sensor records can be matched to the host's alerts anyway.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from socpilot.correlate.entities import (
    NETWORK_SENSORS,
    normalise_domain,
    normalise_host,
    normalise_ip,
    normalise_user,
)
from socpilot.inventory import Asset, Identity
from socpilot.model.ocsf import EventClass
from socpilot.store.query import parse, run_query

# How an address was learned, strongest first: an inventory entry beats telemetry.
_PRIORITY = {"inventory": 3, "host telemetry": 2, "host network events": 2, "logon events": 1}

_OWN_IP = parse(
    "SELECT host_name AS host, host_ip AS ip, count(*) AS n, min(id) AS id1, max(id) AS id2 FROM events"
    " WHERE host_name IS NOT NULL AND host_ip IS NOT NULL AND NOT source IN (?, ?) GROUP BY host_name, host_ip"
)
# Sysmon network events: the local side is the source unless the host did not initiate.
_NETWORK_IP = parse(
    "SELECT host_name AS host,"
    " CASE WHEN fields['Initiated'] = 'false' THEN dst_ip ELSE src_ip END AS ip,"
    " count(*) AS n, min(id) AS id1, max(id) AS id2 FROM events"
    " WHERE source = ? AND class_uid = ? AND host_name IS NOT NULL AND fields['Initiated'] IS NOT NULL"
    " GROUP BY 1, 2"
)
# Logons name the client workstation and its address.
_LOGON_IP = parse(
    "SELECT fields['WorkstationName'] AS host, src_ip AS ip, count(*) AS n, min(id) AS id1, max(id) AS id2"
    " FROM events WHERE source = ? AND class_uid = ? AND src_ip IS NOT NULL"
    " AND fields['WorkstationName'] IS NOT NULL GROUP BY 1, 2"
)


@dataclass(frozen=True)
class Address:
    """One host-to-IP fact and where it comes from."""

    host: str
    ip: str
    how: str
    count: int
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressBook:
    addresses: tuple[Address, ...]

    def ip_to_host(self) -> dict[str, str]:
        """Each IP to the host with the strongest claim on it."""
        best: dict[str, tuple[int, int, str]] = {}
        for a in self.addresses:
            claim = (_PRIORITY.get(a.how, 0), a.count, a.host)
            if a.ip not in best or claim > best[a.ip]:
                best[a.ip] = claim
        return {ip: claim[2] for ip, claim in best.items()}

    def ips_of(self, host: str) -> list[str]:
        owner = self.ip_to_host()
        return sorted({a.ip for a in self.addresses if a.host == host and owner.get(a.ip) == host})

    def basis(self, host: str) -> list[Address]:
        """The facts that give ``host`` its IPs, strongest first."""
        owned = set(self.ips_of(host))
        facts = [a for a in self.addresses if a.host == host and a.ip in owned]
        return sorted(facts, key=lambda a: (-_PRIORITY.get(a.how, 0), -a.count, a.ip))


def address_book(con: duckdb.DuckDBPyConnection, assets: Iterable[Asset] = ()) -> AddressBook:
    """Learn host IPs from the store's telemetry and the inventory."""
    found: list[Address] = [Address(a.hostname, ip, "inventory", 1) for a in assets
                             for ip in (normalise_ip(x) for x in a.ips) if ip]
    sensors = sorted(NETWORK_SENSORS)
    queries: list[tuple[str, exp.Expr, list[Any]]] = [
        ("host telemetry", _OWN_IP, sensors),
        ("host network events", _NETWORK_IP, ["windows", int(EventClass.NETWORK)]),
        ("logon events", _LOGON_IP, ["windows", int(EventClass.AUTHENTICATION)]),
    ]
    for how, tree, params in queries:
        for row in run_query(con, tree, params):
            host = normalise_host(str(row["host"] or ""))
            ip = normalise_ip(str(row["ip"] or ""))
            if host and ip:
                ids = tuple(dict.fromkeys(i for i in (row["id1"], row["id2"]) if i))
                found.append(Address(host, ip, how, int(row["n"]), ids))
    return AddressBook(tuple(found))


@dataclass(frozen=True)
class ClockSkew:
    """Sensor time minus host time, measured on connections seen by both."""

    host: str
    seconds: float
    matches: int
    event_ids: tuple[str, ...]  # pairs: host event, sensor event

    @property
    def delta(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def _skew_query(n_ips: int) -> exp.Select:
    h, n = "h", "n"
    same = exp.and_(*(exp.column(c, table=h).eq(exp.column(c, table=n))
                      for c in ("src_ip", "src_port", "dst_ip", "dst_port")))
    return (
        exp.select(exp.column("id", table=h).as_("host_event"), exp.column("time", table=h).as_("host_time"),
                   exp.column("id", table=n).as_("sensor_event"), exp.column("time", table=n).as_("sensor_time"))
        .from_(exp.table_("events", alias=h))
        .join(exp.table_("events", alias=n), on=same)
        .where(exp.column("source", table=h).eq(exp.Placeholder()))
        .where(exp.column("source", table=n).isin(*[exp.Placeholder()] * len(NETWORK_SENSORS)))
        .where(exp.column("src_ip", table=h).isin(*[exp.Placeholder()] * n_ips))
        .order_by(exp.column("id", table=h))
        .limit(2000)
    )


def clock_skew(con: duckdb.DuckDBPyConnection, host: str, ips: list[str], min_matches: int) -> ClockSkew | None:
    """The host's clock offset against the network sensor, when enough shared connections agree."""
    if not ips:
        return None
    rows = run_query(con, _skew_query(len(ips)), ["windows", *sorted(NETWORK_SENSORS), *ips])
    if len(rows) < min_matches:
        return None
    offsets = [(r["sensor_time"] - r["host_time"]).total_seconds() for r in rows]
    median = statistics.median(offsets)
    agreeing = [r for r, off in zip(rows, offsets, strict=True) if abs(off - median) <= 120]
    if len(agreeing) < max(min_matches, len(rows) // 2):  # no consistent offset: do not guess
        return None
    cited = tuple(i for r in agreeing[:3] for i in (r["host_event"], r["sensor_event"]))
    return ClockSkew(host, round(median, 3), len(agreeing), cited)


@dataclass(frozen=True)
class Resolution:
    """A DNS answer naming ``ip`` as ``domain``."""

    ip: str
    domain: str
    event_id: str


_DNS_ANSWERS = parse(
    "SELECT id, dns_query, dns_answers FROM events WHERE dns_query IS NOT NULL AND dns_answers IS NOT NULL"
)


def resolutions(con: duckdb.DuckDBPyConnection, ips: Iterable[str]) -> dict[str, list[Resolution]]:
    """For each wanted IP, the domains DNS answers resolved to it (first answer per domain)."""
    wanted = set(ips)
    found: dict[str, dict[str, Resolution]] = {}
    if not wanted:
        return {}
    for row in run_query(con, _DNS_ANSWERS):
        domain = normalise_domain(str(row["dns_query"]))
        if domain is None:
            continue
        for answer in row["dns_answers"] or []:
            ip = normalise_ip(str(answer))
            if ip in wanted:
                found.setdefault(ip, {}).setdefault(domain, Resolution(ip, domain, row["id"]))
    return {ip: sorted(d.values(), key=lambda r: r.domain) for ip, d in found.items()}



_QUALIFIER = re.compile(r"\s*[\(\[][^)\]]*[\)\]]\s*$")


def persons(identities: Iterable[Identity]) -> dict[str, str]:
    """Every account name the identity inventory knows, mapped to the person it belongs to.

    An identity's e-mail, Okta login and cloud principal are its own; a second account
    named after its owner (``Daniel Okafor (admin)`` beside ``Daniel Okafor``) is the same
    person too, so a stolen admin account links to its owner's sign-ins.
    """
    people = list(identities)
    owner_by_name: dict[str, str] = {}
    for person in sorted(people, key=lambda p: (bool(_QUALIFIER.search(p.display_name or "")), p.user)):
        if person.display_name:
            owner_by_name.setdefault(_QUALIFIER.sub("", person.display_name).strip().lower(), person.user)
    mapping: dict[str, str] = {}
    for person in people:
        base = _QUALIFIER.sub("", person.display_name or "").strip().lower()
        owner = owner_by_name.get(base, person.user) if base else person.user
        for name in (person.user, person.email, *person.aliases):
            account = normalise_user(name) if name else None
            if account:
                mapping[account] = owner
    return mapping


_PREVALENCE_COLUMNS = {"hash": ("process_sha256", "process_sha1", "process_md5"),
                       "domain": ("dns_query", "tls_sni", "http_host")}


def prevalence(con: duckdb.DuckDBPyConnection, kind: str, values: Iterable[str]) -> dict[str, int]:
    """How many machines the telemetry shows with each hash (ran it) or domain (reached it)."""
    wanted = sorted(set(values))
    if not wanted or kind not in _PREVALENCE_COLUMNS:
        return {}
    con.register("wanted_values", pa.table({"v": pa.array(wanted, pa.string())}))
    try:
        machine = exp.func("coalesce", exp.func("lower", exp.column("host_name", table="e")),
                           exp.column("src_ip", table="e"))
        parts = [exp.select(exp.column("v", table="w").as_("v"), machine.as_("machine"))
                 .from_(exp.table_("events", alias="e"))
                 .join(exp.table_("wanted_values", alias="w"),
                       on=exp.func("lower", exp.column(column, table="e")).eq(exp.column("v", table="w")))
                 for column in _PREVALENCE_COLUMNS[kind]]
        union: exp.Query = parts[0]
        for part in parts[1:]:
            union = exp.union(union, part, distinct=False)
        distinct_machines = exp.Count(this=exp.Distinct(expressions=[exp.column("machine")]))
        tree = exp.select("v", distinct_machines.as_("n")).from_(union.subquery("seen")).group_by("v")
        return {r["v"]: int(r["n"]) for r in run_query(con, tree)}
    finally:
        con.unregister("wanted_values")
