"""Entities of alerts and events, normalised so that the same thing has one name everywhere.

Identity joins across sources are made here: ``PANDALAB\\Alice`` (Windows),
``alice@pandalab.com`` (Okta, Entra) and ``arn:aws:iam::1:user/alice`` (CloudTrail) are
all the user ``alice``; ``MKT01.pandalab.com`` and ``mkt01`` are one host.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from socpilot.inventory import names
from socpilot.model.alert import Entity

# Event columns that name entities, and the entity kind each one names.
_EVENT_ENTITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("host_name", "host"),
    ("host_ip", "ip"),
    ("src_ip", "ip"),
    ("dst_ip", "ip"),
    ("user_name", "user"),
    ("target_user_name", "user"),
    ("cloud_principal", "user"),
    ("cloud_principal", "cloud_principal"),
    ("access_key_id", "access_key"),
    ("process_guid", "process"),
    ("parent_guid", "process"),
    ("process_sha256", "hash"),
    ("process_sha1", "hash"),
    ("process_md5", "hash"),
    ("dns_query", "domain"),
    ("tls_sni", "domain"),
    ("http_host", "domain"),
)


@lru_cache(maxsize=1 << 16)
def normalise_user(value: str, ignored: frozenset[str] = frozenset()) -> str | None:
    """One name per person (see socpilot.inventory.names), minus accounts every host has."""
    name = names.normalise_user(value)
    return None if name is None or name in ignored else name


@lru_cache(maxsize=1 << 16)  # the same few names recur in every batch
def normalise_host(value: str) -> str | None:
    """Short lower-case host name: ``MKT01.pandalab.com`` -> ``mkt01``; IPs are not host names."""
    name = names.normalise_host(value.strip().rstrip(".").removesuffix("$"))
    return None if name is None or _ip(name) else name


@lru_cache(maxsize=1 << 16)
def normalise_ip(value: str) -> str | None:
    """A unicast address that can name one machine; multicast, loopback and the like cannot.

    IPv6 link-local addresses stay: a host keeps its own on the segment (Zeek sees it in
    mDNS and LLMNR); IPv4 link-local (APIPA) addresses are shared by unrelated machines.
    """
    ip = _ip(value.strip())
    if ip is None or ip.is_multicast or ip.is_loopback or ip.is_unspecified:
        return None
    if isinstance(ip, ipaddress.IPv4Address) and ip.is_link_local:
        return None
    if isinstance(ip, ipaddress.IPv4Address) and str(ip).endswith(".255"):
        return None  # broadcast of the common /24 networks
    return str(ip)


@lru_cache(maxsize=1 << 16)
def normalise_domain(value: str) -> str | None:
    name = value.strip().lower().rstrip(".")
    if not name or "." not in name or _ip(name):
        return None
    return name.split(":", 1)[0]  # an HTTP Host header may carry a port


@lru_cache(maxsize=1 << 16)
def normalise_hash(value: str) -> str | None:
    digest = value.strip().lower()
    if "=" in digest:  # Sysmon's "SHA256=...,MD5=..." form is split by readers; keep the value only
        digest = digest.split("=", 1)[1].split(",", 1)[0]
    return digest if len(digest) in (32, 40, 64) and all(c in "0123456789abcdef" for c in digest) else None


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None


def normalise(kind: str, value: Any, ignored_users: frozenset[str] = frozenset()) -> Entity | None:
    """The entity ``kind:value`` in its canonical form, or None when the value names nothing."""
    return None if value is None else _normalised(kind, value if isinstance(value, str) else str(value), ignored_users)


@lru_cache(maxsize=1 << 18)  # alerts repeat the same hosts, users and hashes many times over
def _normalised(kind: str, text: str, ignored_users: frozenset[str]) -> Entity | None:
    norm: str | None
    if kind == "user":
        norm = normalise_user(text, ignored_users)
    elif kind == "host":
        norm = normalise_host(text)
    elif kind == "ip":
        norm = normalise_ip(text)
    elif kind in ("domain", "url"):
        norm = normalise_domain(text) if kind == "domain" else text.strip() or None
    elif kind == "hash":
        norm = normalise_hash(text)
    elif kind == "process":
        norm = text.strip().strip("{}").lower() or None
    else:
        norm = text.strip().lower() or None
    return _entity(kind, norm) if norm else None


@lru_cache(maxsize=1 << 17)
def _entity(kind: str, value: str) -> Entity:
    # One shared instance per entity, built without validation: kinds are ours, values normalised.
    return Entity.model_construct(kind=kind, value=value)


# AWS access key ids, which turn up in command lines and scripts and then in CloudTrail.
_AWS_KEY = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")


def event_entities(row: Mapping[str, Any], ignored_users: frozenset[str] = frozenset()) -> set[Entity]:
    """Entities an event names, from its normalized columns (and cloud keys in its command line)."""
    found: set[Entity] = set()
    for column, kind in _EVENT_ENTITY_COLUMNS:
        entity = normalise(kind, row.get(column), ignored_users)
        if entity is not None:
            found.add(entity)
    for key in _AWS_KEY.findall(str(row.get("process_cmd") or "")):
        found.add(_entity("access_key", key.lower()))
    return found


def alert_entities(alert_entities: Iterable[Entity], events: Iterable[Mapping[str, Any]],
                   ignored_users: frozenset[str] = frozenset()) -> set[Entity]:
    """An alert's own entities (normalised) plus those of its evidence events."""
    found = {e for e in (normalise(x.kind, x.value, ignored_users) for x in alert_entities) if e is not None}
    for row in events:
        found |= event_entities(row, ignored_users)
    return found


# Sources whose records describe traffic between machines rather than a machine's own activity.
NETWORK_SENSORS = frozenset({"zeek", "suricata"})


def home_hosts(events: Iterable[Mapping[str, Any]], ip_to_host: Mapping[str, str],
               declared: Iterable[Entity] = ()) -> set[str]:
    """Hosts an alert happened on: the reporting host, else the hosts behind the IPs it names.

    ``declared`` are the alert's own (normalised) entities, used for alerts whose evidence
    was not loaded.
    """
    hosts: set[str] = set()
    for entity in declared:
        if entity.kind == "host":
            hosts.add(entity.value)
        elif entity.kind == "ip" and entity.value in ip_to_host:
            hosts.add(ip_to_host[entity.value])
    for row in events:
        name = row.get("host_name")
        host = normalise_host(str(name)) if name and row.get("source") not in NETWORK_SENSORS else None
        if host:
            hosts.add(host)
            continue
        # A sensor record happened on its originator; on its responder only when the originator is unknown.
        for column in ("src_ip", "dst_ip"):
            ip = normalise_ip(str(row[column])) if row.get(column) else None
            if ip and ip in ip_to_host:
                hosts.add(ip_to_host[ip])
                break
    return hosts
