"""The incident narrative: templates (data) filled from the evidence, each sentence citing it.

Sentences say what is known (the evidence shows it), what is inferred (our reading of the
evidence) and what is missing (what the store cannot show). Alert sentences follow the
alerts in time; context comes first and gaps last. A sentence whose evidence is not in
the store is not written, so every sentence shown can be checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from socpilot.correlate.entities import (
    NETWORK_SENSORS,
    home_hosts,
    normalise_host,
    normalise_ip,
    normalise_user,
)
from socpilot.correlate.evidence import Evidence
from socpilot.correlate.fleet import FleetPattern
from socpilot.correlate.incidents import Incident
from socpilot.correlate.links import AddressBook
from socpilot.correlate.schema import (
    AlertSummary,
    EvidenceCounts,
    NarrativeDocument,
    Sentence,
    SentenceKind,
    TimelineEntry,
)
from socpilot.correlate.settings import Settings
from socpilot.correlate.tactics import chain, label, stage
from socpilot.correlate.templates import fill, template
from socpilot.model.alert import LEVEL_RANK, Alert

_VALUE_LIMIT = 240


class EvidenceMissing(LookupError):
    """An incident whose evidence events are gone from the store: nothing it says could be checked."""


def when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def clip(value: Any, limit: int = _VALUE_LIMIT) -> str:
    """A log value as one bounded line of text (it is data, shown as such)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} min"


def counted(n: int, noun: str) -> str:
    """``1 record``, ``5 records``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def listing(items: Sequence[str], limit: int = 3) -> str:
    shown = list(items[:limit])
    rest = len(items) - len(shown)
    if rest > 0:
        shown.append(f"{rest} more")
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1] if shown else "none"


def summarise(row: Mapping[str, Any]) -> str:
    """One line saying what an event is."""
    kind = row.get("class_name") or "event"
    if row.get("process_cmd"):
        parent = f" (parent {clip(row['parent_name'], 60)})" if row.get("parent_name") else ""
        return f"{kind}: {clip(row['process_cmd'], 160)}{parent}"
    if row.get("dns_query"):
        answers = row.get("dns_answers") or []
        return f"dns: {clip(row['dns_query'], 120)}" + (f" -> {clip(', '.join(answers[:3]), 80)}" if answers else "")
    if row.get("cloud_action"):
        return f"{kind}: {clip(row['cloud_action'], 80)} by {clip(row.get('cloud_principal') or '?', 80)}"
    if row.get("finding_title"):
        return f"{kind}: {clip(row['finding_title'], 160)}"
    if kind == "authentication":
        who = row.get("target_user_name") or row.get("user_name") or "?"
        outcome = f" {row['auth_outcome']}" if row.get("auth_outcome") else ""
        origin = f" from {row['src_ip']}" if row.get("src_ip") else ""
        return clip(f"{kind}: {who}{outcome}{origin}", 200)
    if row.get("src_ip") or row.get("dst_ip"):
        src = f"{row.get('src_ip') or '?'}:{row.get('src_port') or ''}".rstrip(":")
        dst = f"{row.get('dst_ip') or '?'}:{row.get('dst_port') or ''}".rstrip(":")
        proto = row.get("app_protocol") or row.get("protocol") or ""
        return clip(f"{kind}: {src} -> {dst} {proto}".strip(), 200)
    code = row.get("event_code") or ""
    label = " ".join(p for p in (row.get("channel") or row.get("source") or "", str(code)) if p)
    subject = row.get("target_user_name") or row.get("user_name") or row.get("file_path") or row.get("registry_key")
    return clip(f"{kind}: {label}" + (f" {subject}" if subject else ""), 200)


class _Writer:
    """Collects sentences, keeping only citations the evidence holds."""

    def __init__(self, evidence_ids: set[str], limit: int) -> None:
        self.evidence_ids = evidence_ids
        self.limit = limit
        self.sentences: list[Sentence] = []

    def add(self, text: str, kind: SentenceKind, event_ids: Sequence[str], alert_ids: Sequence[str] = (),
            stage: str | None = None, time: datetime | None = None) -> None:
        cited = [i for i in dict.fromkeys(event_ids) if i in self.evidence_ids]
        if not cited:
            return  # nothing in the store to show for it: not written
        self.sentences.append(Sentence(
            text=text, kind=kind, stage=stage, time=time, alert_ids=list(dict.fromkeys(alert_ids))[: self.limit],
            event_ids=cited[: self.limit], more_events=max(len(cited) - self.limit, 0)))


def _alert_template(alerts: Sequence[Alert]) -> str:
    spec = template("alerts")
    techniques = sorted({t for a in alerts for t in a.techniques}, key=len, reverse=True)
    for technique in techniques:
        for prefix in sorted(spec["techniques"], key=len, reverse=True):
            if technique == prefix or technique.startswith(prefix + "."):
                return str(spec["techniques"][prefix])
    for tactic in chain(t for a in alerts for t in a.tactics):
        if tactic in spec["tactics"]:
            return str(spec["tactics"][tactic])
    return str(spec["default"])


def _detail(alerts: Sequence[Alert], events: Mapping[str, Mapping[str, Any]]) -> str:
    details = template("alerts")["details"]
    for alert in alerts:
        for event_id in alert.event_ids:
            row = events.get(event_id)
            if row is None or row.get("class_name") not in details:
                continue
            text = str(details[row["class_name"]])
            needed = [name for name in row if "{" + name + "}" in text]
            if needed and all(row.get(n) not in (None, "") for n in needed):
                return fill(text, **{n: clip(row[n]) for n in needed})
    return ""


def _users_of(alerts: Sequence[Alert], events: Mapping[str, Mapping[str, Any]], ignored: frozenset[str]) -> list[str]:
    """The accounts these alerts' events name (actor first, then target)."""
    found: dict[str, None] = {}
    for column in ("user_name", "cloud_principal", "target_user_name"):
        for alert in alerts:
            for event_id in alert.event_ids:
                value = events.get(event_id, {}).get(column)
                name = normalise_user(str(value), ignored) if value else None
                if name:
                    found[name] = None
    return list(found)


def _hosts_of(alerts: Sequence[Alert], events: Mapping[str, Mapping[str, Any]], owner: Mapping[str, str]) -> list[str]:
    """The hosts these alerts happened on (sensor records through their IPs)."""
    return sorted(home_hosts([events[i] for a in alerts for i in a.event_ids if i in events], owner))


def _alert_sentences(out: _Writer, incident: Incident, alerts: Sequence[Alert],
                     events: Mapping[str, Mapping[str, Any]], owner: Mapping[str, str], settings: Settings) -> None:
    by_rule: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_rule[alert.rule_id].append(alert)
    groups = sorted(by_rule.values(), key=lambda g: (min(a.first_time for a in g), stage(_stage_of(g))))
    for group in groups:
        first = min(a.first_time for a in group)
        last = max(a.last_time for a in group)
        count = sum(a.count for a in group)
        hosts = _hosts_of(group, events, owner)
        users = _users_of(group, events, settings.ignored_users) or incident.users
        level = max((a.rule_level for a in group), key=lambda lv: LEVEL_RANK.get(lv, 0))
        target = listing(hosts or users or ["the environment"], 2)
        text = fill(
            _alert_template(group), rule=clip(group[0].rule_title, 160), count=count,
            times="once" if count == 1 else f"{count} times", first=when(first), last=when(last),
            host=target, target=target, level=level,
            user=listing(users, 2), user_part=f" by {listing(users, 2)}" if users else "",
            detail=_detail(group, events))
        out.add(text, "known", [i for a in group for i in a.event_ids], [a.id for a in group], _stage_of(group), first)


def _stage_of(alerts: Sequence[Alert]) -> str:
    tactics = chain(t for a in alerts for t in a.tactics)
    return tactics[0] if tactics else "unknown"


def _first_events(alerts: Sequence[Alert]) -> list[str]:
    return [a.event_ids[0] for a in alerts if a.event_ids]


def build(incident: Incident, alerts: Sequence[Alert], evidence: Evidence, book: AddressBook,
          patterns: Sequence[FleetPattern], settings: Settings) -> NarrativeDocument:
    """The validated narrative document of one incident."""
    events = evidence.alert_events
    texts = template("incident")
    gaps = template("evidence")["gaps"]
    more = template("evidence")
    evidence_ids = set(events)
    for net in evidence.networks:
        evidence_ids |= {r["id"] for r in net.records}
        if net.skew:
            evidence_ids |= set(net.skew.event_ids)
    for rows in evidence.identity.values():
        evidence_ids |= {r["id"] for r in rows}
    evidence_ids |= {r.event_id for r in evidence.resolutions}
    for host in incident.hosts:
        evidence_ids |= {i for a in book.basis(host) for i in a.event_ids}
    out = _Writer(evidence_ids, settings.cite_limit)
    alert_ids = [a.id for a in alerts]
    owner = book.ip_to_host()
    host_alert_events: dict[str, list[str]] = {
        h: [i for a in alerts for i in a.event_ids[:1] if h in _hosts_of([a], events, owner)] for h in incident.hosts}

    # Context: what happened where, and how the sources were joined.
    targets = listing(incident.hosts or incident.users or ["unknown entities"], 3)
    out.add(fill(texts["overview"], first=when(incident.first_seen), last=when(incident.last_seen),
                 alerts=counted(len(alerts), "alert"), rules=counted(len({a.rule_id for a in alerts}), "detection rule"),
                 targets=targets),
            "known", _first_events(alerts), alert_ids, None, incident.first_seen)
    for host in incident.hosts:
        basis = book.basis(host)
        if basis:
            hows = list(dict.fromkeys(a.how for a in basis))
            out.add(fill(texts["host_ips"], host=host, ips=listing(book.ips_of(host), 4), how=listing(hows, 4)),
                    "known", [i for a in basis for i in a.event_ids] + host_alert_events[host])
    for net in evidence.networks:
        if net.skew and abs(net.skew.seconds) >= 60:
            out.add(fill(texts["clock_skew"], host=net.host, offset=duration(net.skew.seconds),
                         matches=net.skew.matches), "inferred", net.skew.event_ids)

    # The alerts, in time order.
    _alert_sentences(out, incident, alerts, events, book.ip_to_host(), settings)

    # What the other sources saw meanwhile.
    for net in evidence.networks:
        if net.count:
            sources = sorted({r["source"] for r in net.records})
            peers = [f"{clip(p, 60)} ({n})" for p, n in net.peers]
            out.add(fill(more["network"], sources=listing(sources), records=counted(net.count, "record"),
                         host=net.host, ips=listing(net.ips),
                         peers=listing(peers, 5)), "known", [r["id"] for r in net.records])
        if net.dns_count:
            dns_ids = [r["id"] for r in net.records if r.get("dns_query")]
            out.add(fill(more["dns"], host=net.host, names=counted(net.dns_count, "name"), domains=listing([clip(d, 80) for d, _ in net.domains], 5)),
                    "known", dns_ids)
    for res in evidence.resolutions[: settings.cite_limit]:
        out.add(fill(more["resolution"], ip=res.ip, domain=clip(res.domain, 120)), "known", [res.event_id])
    for user, rows in evidence.identity.items():
        if rows:
            out.add(fill(more["identity"], user=user, sources=listing(sorted({r["source"] for r in rows})),
                         records=counted(evidence.identity_counts[user], "record")), "known", [r["id"] for r in rows])

    # Our reading of it.
    _movement(out, incident, alerts, events, book)
    if len(incident.tactics) > 1:
        labels = texts["tactic_labels"]
        firsts = [i for t in incident.tactics for i in _first_events([a for a in alerts if t in chain(a.tactics)])[:1]]
        out.add(fill(texts["chain"], chain=" → ".join(label(t, labels) for t in incident.tactics)),
                "inferred", firsts, alert_ids)
    elif incident.tactics:
        out.add(fill(texts["single_stage"], stage=label(incident.tactics[0], texts["tactic_labels"])),
                "inferred", _first_events(alerts), alert_ids)
    rules = {a.rule_id for a in alerts}
    for pattern in patterns:
        shared = sorted(set(pattern.hosts) & set(incident.hosts))
        values = {"rule": clip(pattern.rule_title, 160), "kind": pattern.kind.replace("_", " "),
                  "count": pattern.host_count, "unit": pattern.unit, "pattern": pattern.id, "hosts": listing(shared)}
        if pattern.rule_id in rules:
            out.add(fill(texts["fleet_rule"], **values), "inferred", pattern.event_ids)
        elif shared:
            out.add(fill(texts["fleet_host"], **values), "known", pattern.event_ids)

    # What the store cannot show.
    networked = {n.host: n for n in evidence.networks}
    for host in incident.hosts:
        cite = host_alert_events[host] + [i for a in book.basis(host) for i in a.event_ids]
        if host not in networked:
            out.add(fill(gaps["no_ip"], host=host), "missing", cite)
        elif networked[host].count == 0:
            out.add(fill(gaps["no_network"], host=host, ips=listing(networked[host].ips)), "missing", cite)
    if evidence.identity_sources_present:
        for user in incident.users:
            if not evidence.identity.get(user):
                user_events = [i for a in alerts for i in a.event_ids[:1]]
                out.add(fill(gaps["no_identity"], user=user), "missing", user_events)

    if not out.sentences:
        raise EvidenceMissing(f"none of the evidence of {incident.id} is in the store any more; "
                              "re-ingest its logs or re-run detection and correlation")
    timeline = _timeline(alerts, evidence, settings)
    evidence_ids |= {e.event_id for e in timeline if e.event_id}
    return NarrativeDocument(
        incident_id=incident.id, title=incident.title, status=incident.status, severity=incident.severity,
        risk=incident.risk, risk_parts=incident.risk_parts, first_seen=incident.first_seen,
        last_seen=incident.last_seen, tactics=incident.tactics, techniques=incident.techniques,
        hosts=incident.hosts, users=incident.users,
        host_ips={h: book.ips_of(h) for h in incident.hosts},
        alerts=[_alert_summary(a) for a in alerts],
        sentences=out.sentences, timeline=timeline,
        counts=EvidenceCounts(alert_events=len(events), host_events=evidence.host_event_counts,
                              network_records={n.host: n.count for n in evidence.networks},
                              identity_records=evidence.identity_counts),
        evidence_ids=sorted(evidence_ids),
    )


def _movement(out: _Writer, incident: Incident, alerts: Sequence[Alert], events: Mapping[str, Mapping[str, Any]],
              book: AddressBook) -> None:
    """Host-to-host steps: a host's own event naming another incident host's IP as its source."""
    owner = book.ip_to_host()
    steps: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for alert in alerts:
        for event_id in alert.event_ids:
            row = events.get(event_id)
            if row is None or row.get("source") in NETWORK_SENSORS or not row.get("host_name"):
                continue
            target = normalise_host(str(row["host_name"]))
            ip = normalise_ip(str(row.get("src_ip") or ""))
            origin = owner.get(ip) if ip else None
            if target and origin and origin != target and origin in incident.hosts:
                steps[(origin, target, str(ip))].append(event_id)
    for (origin, target, ip), cited in sorted(steps.items()):
        out.add(fill(template("incident")["peer_host"], origin=origin, target=target, ip=ip), "inferred", cited,
                stage="lateral-movement")


def _alert_summary(alert: Alert) -> AlertSummary:
    return AlertSummary(
        id=alert.id, rule_id=alert.rule_id, rule_title=alert.rule_title, rule_level=alert.rule_level,
        rule_author=alert.rule_author, rule_source=alert.rule_source, count=alert.count,
        first_time=alert.first_time, last_time=alert.last_time, tactics=chain(alert.tactics),
        techniques=alert.techniques, event_ids=alert.event_ids[:25])


def _timeline(alerts: Sequence[Alert], evidence: Evidence, settings: Settings) -> list[TimelineEntry]:
    """Alerts, their evidence, sensor and identity records, each kind with its share of the limit;
    shown in aligned (host-clock) time."""
    limit = settings.timeline_limit
    skew_of_ip = {ip: net.skew.delta for net in evidence.networks if net.skew for ip in net.ips}

    def shift(row: Mapping[str, Any] | None) -> timedelta:
        if row is None or row.get("source") not in NETWORK_SENSORS:
            return timedelta(0)
        return next((skew_of_ip[row[c]] for c in ("src_ip", "dst_ip") if row.get(c) in skew_of_ip), timedelta(0))

    alert_entries = []
    for a in alerts[: limit // 4]:
        first_event = next((i for i in a.event_ids if i in evidence.alert_events), None)
        moved = shift(evidence.alert_events.get(first_event or ""))
        alert_entries.append(TimelineEntry(
            time=a.first_time, aligned_time=a.first_time - moved, source=a.rule_source, kind="alert",
            summary=f"[{a.rule_level}] {clip(a.rule_title, 160)}", alert_id=a.id, event_id=first_event))
    seen: set[str] = set()
    host_entries: list[TimelineEntry] = []
    per_alert = max(2, (limit // 2) // max(len(alerts), 1))  # a chatty rule does not crowd out the rest
    for alert in alerts:
        for event_id in alert.event_ids[:per_alert]:
            row = evidence.alert_events.get(event_id)
            if row is not None and event_id not in seen and len(host_entries) < limit // 2:
                seen.add(event_id)
                host_entries.append(_entry(row, shift(row)))
    other: list[TimelineEntry] = []
    for net in evidence.networks:
        other.extend(_entry(row, shift(row)) for row in net.records if row["id"] not in seen)
    for rows in evidence.identity.values():
        other.extend(_entry(row, timedelta(0)) for row in rows)
    room = limit - len(alert_entries) - len(host_entries)
    kept = alert_entries + host_entries + sorted(other, key=lambda e: e.aligned_time)[:room]
    return sorted(kept, key=lambda e: (e.aligned_time, e.kind != "alert", e.event_id or ""))


def _entry(row: Mapping[str, Any], shift: timedelta) -> TimelineEntry:
    return TimelineEntry(time=row["time"], aligned_time=row["time"] - shift, source=row["source"],
                         kind=row.get("class_name") or "event", summary=summarise(row), event_id=row["id"])
