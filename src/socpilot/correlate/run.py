"""The correlation stage over a workspace: the functions the CLI, the console and notebooks call.

    report = correlate(ws)            # alerts -> incidents and fleet patterns, stored
    list_incidents(ws)                # stored incidents, highest risk first
    doc = incident(ws, "inc-...")     # the validated narrative document
    print(show(ws, "inc-...", "md"))  # rendered as text, md, json or html
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.correlate import evidence as evidence_mod
from socpilot.correlate import incidents as incidents_mod
from socpilot.correlate import narrative, persist, render
from socpilot.correlate.entities import NETWORK_SENSORS, alert_entities, home_hosts, normalise, normalise_host
from socpilot.correlate.fleet import FleetPattern, find_patterns
from socpilot.correlate.graph import AlertNode, EntityGraph
from socpilot.correlate.incidents import Incident
from socpilot.correlate.links import AddressBook, address_book, clock_skew, persons, prevalence, resolutions
from socpilot.correlate.risk import RiskContext
from socpilot.correlate.schema import NarrativeDocument
from socpilot.correlate.settings import Settings, hub_threshold, load_settings
from socpilot.feedback.suppress import list_suppressions, split_suppressed
from socpilot.inventory import Asset, Identity, import_inventory, load_assets, load_identities
from socpilot.model.alert import Alert, Entity
from socpilot.store.query import run_query

# Evidence events read per alert to learn its entities; the rest add nothing new.
_EVENTS_PER_ALERT = 50
_ENTITY_COLUMNS = (
    "id", "source", "class_name", "host_name", "host_ip", "src_ip", "dst_ip", "user_name", "target_user_name",
    "cloud_principal", "access_key_id", "process_guid", "parent_guid", "process_sha256", "process_sha1",
    "process_md5", "dns_query", "tls_sni", "http_host", "process_cmd", "process_name", "parent_name",
)


class IncidentNotFound(KeyError):
    """No incident (nor a merged one) has this id."""


@dataclass
class CorrelationReport:
    alerts: int
    incidents: int
    alerts_skipped: int  # duplicates and alerts citing no evidence
    patterns: int
    alerts_in_patterns: int
    merged: list[str]
    by_severity: dict[str, int]
    seconds: float
    top: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"alerts": self.alerts, "incidents": self.incidents, "alerts_skipped": self.alerts_skipped,
                "patterns": self.patterns,
                "alerts_in_patterns": self.alerts_in_patterns, "merged": self.merged,
                "by_severity": self.by_severity, "seconds": round(self.seconds, 3), "top": self.top}


def stored_alerts(ws: Workspace) -> list[Alert]:
    """The alerts detection stored in the workspace catalog (none before detection has run)."""
    from socpilot.detect.alerts import load_alerts  # lazily: detection is a heavier import

    con = ws.connect()
    try:
        if not persist.has_table(con, "alerts", catalog="catalog"):
            return []
        return load_alerts(con)
    finally:
        con.close()


def _inventory(ws: Workspace, files: Sequence[Path]) -> tuple[list[Asset], list[Identity]]:
    """The workspace inventory, after importing ``files`` (assets or identities, told apart by their columns)."""
    for path in files:
        import_inventory(ws, path)
    return load_assets(ws), load_identities(ws)


def _fleet_hosts(con: duckdb.DuckDBPyConnection) -> set[str]:
    tree = (exp.select("host_name").distinct().from_("events")
            .where(exp.column("host_name").is_(exp.null()).not_())
            .where(exp.column("source").isin(*[exp.Placeholder()] * len(NETWORK_SENSORS)).not_()))
    names = (normalise_host(str(r["host_name"])) for r in run_query(con, tree, sorted(NETWORK_SENSORS)))
    return {n for n in names if n}


def alert_nodes(alerts: Sequence[Alert], events: dict[str, dict[str, Any]], book: AddressBook,
                dns: dict[str, list[Any]], people: dict[str, str], settings: Settings) -> list[AlertNode]:
    """Alerts with their normalised entities: hosts resolved from IPs, IPs named by DNS,
    accounts joined to the person the identity inventory says owns them."""
    ip_to_host = book.ip_to_host()
    nodes = []
    for alert in alerts:
        rows = [events[i] for i in alert.event_ids[:_EVENTS_PER_ALERT] if i in events]
        found = alert_entities(alert.entities, rows, settings.ignored_users)
        hosts = home_hosts(rows, ip_to_host, found)
        for entity in list(found):
            if entity.kind == "ip":
                if entity.value in ip_to_host and ip_to_host[entity.value] not in hosts:
                    found.add(Entity(kind="host", value=ip_to_host[entity.value]))  # a peer host
                found |= {Entity(kind="domain", value=r.domain) for r in dns.get(entity.value, [])}
            elif entity.kind == "user" and people.get(entity.value, entity.value) != entity.value:
                found.add(Entity(kind="user", value=people[entity.value]))
        nodes.append(AlertNode(alert, frozenset(found - {Entity(kind="host", value=h) for h in hosts}),
                               frozenset(hosts)))
    return nodes


def usable(alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts correlation can stand on: one per id, citing evidence, with UTC times in order.

    Detection output is trusted no more than log data: a duplicate or an alert without
    evidence is left out (and counted), naive times are read as UTC.
    """
    kept: dict[str, Alert] = {}
    for alert in alerts:
        if not alert.event_ids or alert.id in kept:
            continue
        first, last = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (alert.first_time, alert.last_time))
        if (first, last) != (alert.first_time, alert.last_time) or first > last:
            alert = alert.model_copy(update={"first_time": min(first, last), "last_time": max(first, last)})
        kept[alert.id] = alert
    return list(kept.values())


def correlate(ws: Workspace, alerts: Sequence[Alert] | None = None, inventory: Sequence[Path] = (),
              **overrides: Any) -> CorrelationReport:
    """Group alerts into incidents and fleet patterns and store them (replacing the last run's).

    ``alerts`` defaults to the alerts detection stored; ``inventory`` files (assets,
    identities) are imported into the workspace first; ``overrides`` change settings.yml
    values (``window_hours=6``, ``fleet_min_hosts=20``, ...).
    """
    started = time.perf_counter()
    settings = load_settings(**overrides)
    given = list(stored_alerts(ws) if alerts is None else alerts)
    # Suppressed alerts stay stored and listed (``socpilot suppress list``) but open no incident.
    given, _suppressed = split_suppressed(given, list_suppressions(ws))
    alerts = usable(given)
    by_id = {a.id: a for a in alerts}
    assets, identities = _inventory(ws, inventory)
    con = ws.connect()
    try:
        previous = persist.previous_assignment(con, "catalog")
        known = {i.id: i for i in persist.load_incidents(con, "catalog")}
        book = address_book(con, assets)
        wanted = [i for a in alerts for i in a.event_ids[:_EVENTS_PER_ALERT]]
        events = evidence_mod.events_by_id(con, wanted, _ENTITY_COLUMNS)
        ip_to_host = book.ip_to_host()
        foreign_ips = {e.value for row in events.values() for e in _ips(row) if e.value not in ip_to_host}
        dns = resolutions(con, foreign_ips)
        fleet = _fleet_hosts(con)
        nodes = _on_host_clocks(con, alert_nodes(alerts, events, book, dns, persons(identities), settings),
                                events, book, settings)
        common = _common(con, nodes)
    finally:
        con.close()
    patterns, claimed = find_patterns(nodes, events, settings.fleet_min_hosts)
    grouped_nodes = [n for i, n in enumerate(nodes) if i not in claimed]
    fleet |= {h for n in nodes for h in n.hosts} | {a.hostname for a in assets}
    threshold = hub_threshold(settings, len(fleet))
    graph = EntityGraph(grouped_nodes)
    hubs = graph.hubs(threshold, settings.hub_max_hosts) | {e for (kind, value), n in common.items()
                                     if n > threshold and (e := normalise(kind, value)) is not None}
    groups = graph.components(timedelta(hours=settings.window_hours), hubs)
    rule_hosts: dict[str, set[str]] = defaultdict(set)
    for node in nodes:
        rule_hosts[node.alert.rule_id] |= node.hosts
    ctx = RiskContext({r: len(h) for r, h in rule_hosts.items()}, len(fleet),
                      {a.hostname: a.criticality for a in assets if a.criticality})
    built = incidents_mod.build([[grouped_nodes[i] for i in g] for g in groups], previous, known, ctx, settings)
    with ws.store.catalog() as write:
        persist.save(write, built, by_id, patterns)
    severities = Counter[str](i.severity for i in built)
    return CorrelationReport(
        alerts=len(alerts), incidents=len(built), alerts_skipped=len(given) - len(alerts), patterns=len(patterns), alerts_in_patterns=len(claimed),
        merged=sorted({m for i in built for m in i.merged_from} - {m for i in known.values() for m in i.merged_from}),
        by_severity=dict(severities), seconds=time.perf_counter() - started,
        top=[{"id": i.id, "title": i.title, "severity": i.severity, "risk": i.risk, "alerts": i.alert_count}
             for i in built[:5]],
    )


def _ips(row: dict[str, Any]) -> list[Entity]:
    return [e for e in (normalise("ip", row.get(c)) for c in ("src_ip", "dst_ip")) if e is not None]


def _on_host_clocks(con: duckdb.DuckDBPyConnection, nodes: list[AlertNode], events: dict[str, dict[str, Any]],
                    book: AddressBook, settings: Settings) -> list[AlertNode]:
    """Alerts on network-sensor records, moved onto their host's clock where the two disagree.

    Time windows then compare like with like: a sensor seven hours ahead of a host would
    otherwise put the host's own alerts and the sensor's alerts about it apart.
    """
    sensor_only = [i for i, n in enumerate(nodes) if n.hosts and all(
        events[e].get("source") in NETWORK_SENSORS for e in n.alert.event_ids[:_EVENTS_PER_ALERT] if e in events)
        and any(e in events for e in n.alert.event_ids[:_EVENTS_PER_ALERT])]
    skews = {}
    for host in sorted({h for i in sensor_only for h in nodes[i].hosts}):
        skew = clock_skew(con, host, book.ips_of(host), settings.skew_min_matches)
        if skew is not None:
            skews[host] = skew.delta
    shifted = list(nodes)
    for i in sensor_only:
        host = min(nodes[i].hosts)
        if host in skews:
            shifted[i] = replace(nodes[i], shift=skews[host])
    return shifted


def _common(con: duckdb.DuckDBPyConnection, nodes: Sequence[AlertNode]) -> dict[tuple[str, str], int]:
    """Telemetry prevalence (machines) of the hashes and domains that more than one alert names."""
    named: Counter[tuple[str, str]] = Counter(
        (e.kind, e.value) for n in nodes for e in n.entities if e.kind in ("hash", "domain"))
    shared = [key for key, count in named.items() if count > 1]
    found: dict[tuple[str, str], int] = {}
    for kind in ("hash", "domain"):
        for value, machines in prevalence(con, kind, [v for k, v in shared if k == kind]).items():
            found[(kind, value)] = machines
    return found


def list_incidents(ws: Workspace) -> list[Incident]:
    """Stored incidents, highest risk first."""
    con = ws.connect()
    try:
        return persist.load_incidents(con, "catalog")
    finally:
        con.close()


def fleet_patterns(ws: Workspace) -> list[FleetPattern]:
    """Stored fleet-wide patterns, widest first."""
    con = ws.connect()
    try:
        return persist.load_patterns(con, "catalog")
    finally:
        con.close()


def _resolve(con: duckdb.DuckDBPyConnection, incident_id: str) -> Incident:
    current = incident_id
    for _ in range(100):  # follows merges; a chain longer than this would be a loop
        found = persist.load_incidents(con, "catalog", [current])
        if found:
            return found[0]
        nxt = persist.merged_into(con, current, "catalog")
        if nxt is None:
            break
        current = nxt
    raise IncidentNotFound(incident_id)


def alerts_of(ws: Workspace, incident_id: str) -> list[Alert]:
    """The alerts of an incident (a merged incident's id leads to the one it joined), in time order."""
    con = ws.connect()
    try:
        return persist.incident_alerts(con, _resolve(con, incident_id).id, "catalog")
    finally:
        con.close()


def incident(ws: Workspace, incident_id: str, **overrides: Any) -> NarrativeDocument:
    """The narrative document of an incident (a merged incident's id leads to the one it joined)."""
    settings = load_settings(**overrides)
    assets = load_assets(ws)
    con = ws.connect()
    try:
        found = _resolve(con, incident_id)
        alerts = persist.incident_alerts(con, found.id, "catalog")
        book = address_book(con, assets)
        rules = {a.rule_id for a in alerts}
        patterns = [p for p in persist.load_patterns(con, "catalog")
                    if p.rule_id in rules or set(p.hosts) & set(found.hosts)]
        wanted = [i for a in alerts for i in a.event_ids] + [i for p in patterns for i in p.event_ids[: settings.cite_limit]]
        gathered = evidence_mod.gather(con, found, wanted, book, settings)
    finally:
        con.close()
    return narrative.build(found, alerts, gathered, book, patterns, settings)


def show(ws: Workspace, incident_id: str, fmt: str = "text") -> str:
    """The incident rendered as ``text``, ``md``, ``json`` or ``html``."""
    doc = NarrativeDocument.model_validate(incident(ws, incident_id).model_dump())  # checked before shown
    return render.render(doc, fmt)


def set_status(ws: Workspace, incident_id: str, status: str) -> Incident:
    """Record an analyst's decision: new, investigating or closed."""
    if status not in incidents_mod.STATUSES:
        raise ValueError(f"status must be one of {', '.join(incidents_mod.STATUSES)}")
    con = ws.connect()
    try:
        found = _resolve(con, incident_id)
    finally:
        con.close()
    with ws.store.catalog() as write:
        persist.set_status(write, found.id, status)
    return found.model_copy(update={"status": status})
