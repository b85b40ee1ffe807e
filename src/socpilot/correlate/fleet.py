"""Fleet-wide patterns: one rule matching the same thing on many hosts is one finding, not many incidents.

"The same thing" is, most specific first: the command line, the file hash, the
parent/child process pair, or the network destination. A pattern is reported once with
its spread (how many hosts, since when); its alerts do not open per-host incidents.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from socpilot.correlate.entities import normalise_domain, normalise_hash, normalise_ip
from socpilot.correlate.graph import AlertNode
from socpilot.correlate.templates import fill, template

_SPACES = re.compile(r"\s+")


class FleetPattern(BaseModel):
    id: str
    rule_id: str
    rule_title: str
    kind: str  # command_line, hash, parent_child, cloud_role, destination
    value: str
    hosts: list[str]  # where it was seen: host names, or account names for cloud and identity alerts
    host_count: int
    unit: str = "hosts"  # what hosts counts: hosts or accounts
    alert_count: int
    first_seen: datetime
    last_seen: datetime
    alert_ids: list[str]
    event_ids: list[str]

    def summary(self) -> str:
        """One line with the spread: ``"Rule" matched the same command line on 214 hosts since Tuesday ...``."""
        alerts = f"{self.alert_count} alert" + ("" if self.alert_count == 1 else "s")
        return fill(template("incident")["fleet_summary"], rule=self.rule_title, kind=self.kind.replace("_", " "),
                    count=self.host_count, unit=self.unit, since=self.first_seen.strftime("%A %Y-%m-%d %H:%M UTC"), alerts=alerts)


def _basename(path: str) -> str:
    return path.replace("/", "\\").rsplit("\\", 1)[-1].lower()


def pattern_keys(events: Iterable[Mapping[str, Any]], declared: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """What an alert's evidence ran or reached, as values of the most specific kind it has."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in events:
        if row.get("process_cmd"):
            found["command_line"].append(_SPACES.sub(" ", str(row["process_cmd"]).strip().lower()))
        for column in ("process_sha256", "process_sha1", "process_md5"):
            digest = normalise_hash(str(row.get(column) or ""))
            if digest:
                found["hash"].append(digest)
                break
        if row.get("parent_name") and row.get("process_name"):
            found["parent_child"].append(f"{_basename(str(row['parent_name']))} > {_basename(str(row['process_name']))}")
        role = _assumed_role(str(row.get("cloud_principal") or ""))
        if role:
            found["cloud_role"].append(role)
        for column in ("dns_query", "tls_sni", "http_host"):
            domain = normalise_domain(str(row.get(column) or ""))
            if domain:
                found["destination"].append(domain)
        ip = normalise_ip(str(row.get("dst_ip") or ""))
        if ip:
            found["destination"].append(ip)
    for kind, value in declared:
        found[kind].append(value)
    # Only the most specific kind present counts: a rare command line stays rare even when its
    # parent/child pair (cmd.exe > whoami.exe) is everywhere.
    for kind in ("command_line", "hash", "parent_child", "cloud_role", "destination"):
        if found.get(kind):
            return [(kind, value) for value in dict.fromkeys(found[kind])]
    return []


def _assumed_role(principal: str) -> str | None:
    """``arn:aws:sts::1:assumed-role/Role/session`` -> ``arn:aws:sts::1:assumed-role/role``: sessions come and go."""
    if ":assumed-role/" not in principal:
        return None
    return principal.rsplit("/", 1)[0].lower() if principal.count("/") >= 2 else principal.lower()


def _declared(node: AlertNode) -> list[tuple[str, str]]:
    kinds = {"hash": "hash", "domain": "destination"}
    return [(kinds[e.kind], e.value) for e in node.entities if e.kind in kinds]


def find_patterns(nodes: Sequence[AlertNode], events: Mapping[str, Mapping[str, Any]],
                  min_hosts: int) -> tuple[list[FleetPattern], set[int]]:
    """Patterns seen on at least ``min_hosts`` hosts (or accounts, for alerts without a host),
    and the node indexes they account for.

    ``events`` maps event ids to event rows (the alerts' evidence, where loaded).
    """
    keys_of: list[list[tuple[str, str, str]]] = []
    hosts_of_key: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for node in nodes:
        rows = [events[i] for i in node.alert.event_ids if i in events]
        keys = [(node.alert.rule_id, kind, value) for kind, value in pattern_keys(rows, _declared(node))]
        keys_of.append(keys)
        for key in keys:
            hosts_of_key[key] |= node.anchors
    members: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, keys in enumerate(keys_of):
        chosen = next((k for k in keys if len(hosts_of_key[k]) >= min_hosts), None)
        if chosen is not None:
            members[chosen].append(i)
    patterns = [_pattern(key, [nodes[i] for i in idx]) for key, idx in members.items()]
    claimed = {i for idx in members.values() for i in idx}
    return sorted(patterns, key=lambda p: (-p.host_count, p.first_seen, p.id)), claimed


def _pattern(key: tuple[str, str, str], nodes: list[AlertNode]) -> FleetPattern:
    rule_id, kind, value = key
    digest = hashlib.blake2b("\0".join(key).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    anchors = {a for n in nodes for a in n.anchors}
    unit = "hosts" if any(a.startswith("host:") for a in anchors) else "accounts"
    hosts = sorted({a.split(":", 1)[1] for a in anchors})
    alerts = sorted((n.alert for n in nodes), key=lambda a: (a.first_time, a.id))
    return FleetPattern(
        id="fp-" + digest, rule_id=rule_id, rule_title=alerts[0].rule_title, kind=kind, value=value,
        hosts=hosts, host_count=len(hosts), unit=unit, alert_count=len(alerts),
        first_seen=alerts[0].first_time, last_seen=max(a.last_time for a in alerts),
        alert_ids=[a.id for a in alerts], event_ids=[a.event_ids[0] for a in alerts if a.event_ids],
    )
