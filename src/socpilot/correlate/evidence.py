"""The evidence around an incident: its alerts' events, and what other sources saw meanwhile.

Network-sensor records join through the incident hosts' IPs, in the incident window on
the sensor's clock (shifted by the measured skew); identity and cloud records join through
the normalised user name. Lists are capped for display; counts always cover everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from socpilot.correlate.entities import NETWORK_SENSORS, normalise_ip
from socpilot.correlate.incidents import Incident
from socpilot.correlate.links import AddressBook, ClockSkew, Resolution, clock_skew, resolutions
from socpilot.correlate.settings import Settings
from socpilot.store.query import run_query, to_sql

IDENTITY_SOURCES = ("okta", "entra", "azure", "cloudtrail")

# The columns shown and cited; enough to summarise any event in one line.
COLUMNS = (
    "id", "time", "source", "product", "channel", "event_code", "class_name", "activity", "host_name",
    "user_name", "user_domain", "target_user_name", "process_name", "process_cmd", "process_guid",
    "parent_name", "parent_guid", "process_sha256", "process_md5", "file_path", "registry_key", "src_ip",
    "src_port", "dst_ip", "dst_port", "protocol", "app_protocol", "dns_query", "dns_answers", "http_host",
    "http_url", "tls_sni", "cloud_action", "cloud_principal", "access_key_id", "auth_outcome",
    "finding_title", "message",
)


@dataclass
class HostNetwork:
    """A host's network-sensor records in the incident window."""

    host: str
    ips: list[str]
    skew: ClockSkew | None
    count: int
    records: list[dict[str, Any]]
    peers: list[tuple[str, int]]
    domains: list[tuple[str, int]]
    dns_count: int


@dataclass
class Evidence:
    alert_events: dict[str, dict[str, Any]]  # event id -> row
    networks: list[HostNetwork]
    host_event_counts: dict[str, int]
    identity: dict[str, list[dict[str, Any]]]  # user -> records (capped)
    identity_counts: dict[str, int]
    identity_sources_present: bool
    resolutions: list[Resolution] = field(default_factory=list)  # DNS names of the alerts' remote IPs
    sources: dict[str, int] = field(default_factory=dict)  # store events per source


def events_by_id(con: duckdb.DuckDBPyConnection, ids: Sequence[str],
                 columns: Sequence[str] = COLUMNS) -> dict[str, dict[str, Any]]:
    """Rows of the events with these ids (missing ids are simply absent)."""
    if not ids:
        return {}
    con.register("wanted_ids", pa.table({"wanted": pa.array(sorted(set(ids)), pa.string())}))
    try:
        tree = (exp.select(*(exp.column(c, table="e") for c in columns))
                .from_(exp.table_("events", alias="e"))
                .join(exp.table_("wanted_ids", alias="w"),
                      on=exp.column("id", table="e").eq(exp.column("wanted", table="w"))))
        rows = con.sql(to_sql(tree)).to_arrow_table().to_pylist()  # columnar: fast for many rows
        return {row["id"]: row for row in rows}
    finally:
        con.unregister("wanted_ids")


def _in(column: str, n: int) -> exp.Expr:
    return exp.column(column).isin(*[exp.Placeholder()] * n)


def _between() -> exp.Expr:
    return exp.column("time").between(exp.Placeholder(), exp.Placeholder())


def _host_network(con: duckdb.DuckDBPyConnection, host: str, ips: list[str], start: datetime,
                  end: datetime, settings: Settings, skew_matches: int) -> HostNetwork:
    skew = clock_skew(con, host, ips, skew_matches)
    shift = skew.delta if skew else timedelta(0)
    lo, hi = start + shift, end + shift
    sensors = sorted(NETWORK_SENSORS)
    touches = exp.or_(_in("src_ip", len(ips)), _in("dst_ip", len(ips)))
    where = exp.and_(_in("source", len(sensors)), touches, _between())
    params: list[Any] = [*sensors, *ips, *ips, lo, hi]
    count = run_query(con, exp.select(exp.func("count", exp.Star()).as_("n")).from_("events").where(where), params)
    records = run_query(con, exp.select(*COLUMNS).from_("events").where(where)
                        .order_by("time", "id").limit(settings.timeline_limit), params)
    peer = exp.Case().when(_in("src_ip", len(ips)), exp.column("dst_ip")).else_(exp.column("src_ip"))
    peers = run_query(con, exp.select(peer.as_("peer"), exp.func("count", exp.Star()).as_("n")).from_("events")
                      .where(where).group_by("peer").order_by("n DESC", "peer").limit(5), [*ips, *params])
    # Names the host asked for (as the client), not every query its DNS server answered.
    dns_where = exp.and_(_in("source", len(sensors)), _in("src_ip", len(ips)), _between(),
                         exp.column("dns_query").is_(exp.null()).not_())
    domains = run_query(con, exp.select("dns_query", exp.func("count", exp.Star()).as_("n")).from_("events")
                        .where(dns_where).group_by("dns_query").order_by("n DESC", "dns_query"),
                        [*sensors, *ips, lo, hi])
    return HostNetwork(host, ips, skew, int(count[0]["n"]), records,
                       [(r["peer"], int(r["n"])) for r in peers if r["peer"]],
                       [(r["dns_query"], int(r["n"])) for r in domains[:5]], len(domains))


def _host_event_count(con: duckdb.DuckDBPyConnection, host: str, start: datetime, end: datetime) -> int:
    name = exp.func("lower", exp.column("host_name"))
    where = exp.and_(exp.or_(name.eq(exp.Placeholder()), name.like(exp.Placeholder())), _between(),
                     exp.column("source").isin(*[exp.Placeholder()] * len(NETWORK_SENSORS)).not_())
    tree = exp.select(exp.func("count", exp.Star()).as_("n")).from_("events").where(where)
    return int(run_query(con, tree, [host, host + ".%", start, end, *sorted(NETWORK_SENSORS)])[0]["n"])


def _identity(con: duckdb.DuckDBPyConnection, user: str, start: datetime, end: datetime,
              limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Identity and cloud records of ``user`` (as e-mail, DOMAIN\\user, or ARN user) in the window."""
    names = [exp.func("lower", exp.column(c)) for c in ("user_name", "cloud_principal")]
    patterns = [user, user + "@%", "%\\" + user, "%/" + user]
    match = exp.or_(*(n.like(exp.Placeholder()) for n in names for _ in patterns))
    where = exp.and_(_in("source", len(IDENTITY_SOURCES)), match, _between())
    params: list[Any] = [*IDENTITY_SOURCES, *patterns, *patterns, start, end]
    count = run_query(con, exp.select(exp.func("count", exp.Star()).as_("n")).from_("events").where(where), params)
    rows = run_query(con, exp.select(*COLUMNS).from_("events").where(where).order_by("time", "id").limit(limit), params)
    return int(count[0]["n"]), rows


def _source_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tree = exp.select("source", exp.func("count", exp.Star()).as_("n")).from_("events").group_by("source")
    return {r["source"]: int(r["n"]) for r in run_query(con, tree)}


def gather(con: duckdb.DuckDBPyConnection, incident: Incident, event_ids: Sequence[str],
           book: AddressBook, settings: Settings) -> Evidence:
    """Everything the store holds about the incident, capped for display."""
    pad = timedelta(minutes=settings.evidence_pad_minutes)
    start, end = incident.first_seen - pad, incident.last_seen + pad
    sources = _source_counts(con)
    networks = [_host_network(con, host, book.ips_of(host), start, end, settings, settings.skew_min_matches)
                for host in incident.hosts if book.ips_of(host)]
    identity: dict[str, list[dict[str, Any]]] = {}
    identity_counts: dict[str, int] = {}
    has_identity = any(s in sources for s in IDENTITY_SOURCES)
    if has_identity:
        for user in incident.users:
            identity_counts[user], identity[user] = _identity(con, user, start, end, settings.cite_limit)
    alert_events = events_by_id(con, event_ids)
    owned = book.ip_to_host()
    remote = {ip for row in alert_events.values() for ip in (normalise_ip(str(row.get("dst_ip") or "")),)
              if ip and ip not in owned}
    return Evidence(
        alert_events=alert_events,
        networks=networks,
        host_event_counts={h: _host_event_count(con, h, start, end) for h in incident.hosts},
        identity=identity, identity_counts=identity_counts, identity_sources_present=has_identity,
        sources=sources,
        resolutions=[r for found in resolutions(con, remote).values() for r in found],
    )
