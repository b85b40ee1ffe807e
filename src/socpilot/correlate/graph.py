"""The entity graph: alerts joined through the entities they share, within a time window.

Alerts are nodes; an alert is joined to the next alert (in time) that names the same
entity when the gap between them is within the window. Connected alerts form one
incident. Entities found in alerts of many hosts (DNS servers, proxies, service
accounts) are hubs: they join nothing, or every host would be one incident.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from socpilot.model.alert import Alert, Entity

# Entity kinds that name an account: their hub bound is the fleet-independent maximum.
IDENTITY_KINDS = frozenset({"user", "cloud_principal", "access_key"})


@dataclass(frozen=True)
class AlertNode:
    """An alert with its normalised entities and the hosts it happened on."""

    alert: Alert
    entities: frozenset[Entity]
    hosts: frozenset[str]
    shift: timedelta = timedelta(0)  # sensor clock minus its host's clock, for alerts on sensor records

    @property
    def first(self) -> datetime:
        """When the alert began, on its host's clock."""
        return self.alert.first_time - self.shift

    @property
    def last(self) -> datetime:
        return self.alert.last_time - self.shift

    @property
    def anchors(self) -> frozenset[str]:
        """What the alert is about: its hosts, else (cloud, identity) its users.

        Users, not their keys or principals: one person's five session keys are one anchor.
        """
        if self.hosts:
            return frozenset("host:" + h for h in self.hosts)
        return frozenset("user:" + e.value for e in self.entities if e.kind == "user")

    def link_keys(self) -> set[tuple[str, str]]:
        """Entities as (kind, value) pairs: hashing pairs is far cheaper than hashing models."""
        return {(e.kind, e.value) for e in self.entities} | {("host", h) for h in self.hosts}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class EntityGraph:
    nodes: Sequence[AlertNode]

    def entity_alerts(self) -> dict[tuple[str, str], list[int]]:
        """Every entity (kind, value) and the alerts (node indexes) that name it."""
        index: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, node in enumerate(self.nodes):
            for key in node.link_keys():
                index[key].append(i)
        return index

    def hubs(self, max_anchors: int, max_identity_anchors: int) -> set[Entity]:
        """Entities named by alerts of more distinct hosts (or principals) than a fleet has reason to share.

        Accounts get their own, higher bound: one stolen account on several machines is the
        link an intrusion leaves. A host is never a hub for its own alerts: only entities
        other than the alert's own hosts count, so a domain controller's alerts still join.
        """
        spread: dict[tuple[str, str], set[str]] = defaultdict(set)
        for node in self.nodes:
            anchors = node.anchors
            for entity in node.entities:
                if entity.kind != "host" or entity.value not in node.hosts:
                    spread[(entity.kind, entity.value)] |= anchors
        return {Entity.model_construct(kind=k, value=v) for (k, v), seen in spread.items()
                if len(seen) > (max_identity_anchors if k in IDENTITY_KINDS else max_anchors)}

    def components(self, window: timedelta, hubs: set[Entity]) -> list[list[int]]:
        """Groups of node indexes joined through shared non-hub entities within ``window``."""
        uf = _UnionFind(len(self.nodes))
        hub_keys = {(e.kind, e.value) for e in hubs}
        for (kind, value), members in self.entity_alerts().items():
            if (kind, value) in hub_keys:  # a hub joins nothing, except a host its own alerts
                members = [i for i in members if kind == "host" and value in self.nodes[i].hosts]
            ordered = sorted(members, key=lambda i: self.nodes[i].first)
            reach = None  # the latest last_time of the run of joined alerts so far
            for prev, cur in pairwise(ordered):
                prev_last = self.nodes[prev].last
                reach = prev_last if reach is None else max(reach, prev_last)
                if self.nodes[cur].first - reach <= window:
                    uf.union(prev, cur)
                else:
                    reach = None
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.nodes)):
            groups[uf.find(i)].append(i)
        return sorted(groups.values(), key=lambda g: min(self.nodes[i].first for i in g))
