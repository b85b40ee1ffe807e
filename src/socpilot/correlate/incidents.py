"""Incidents: connected alerts, with a stable id, a status, an ATT&CK chain and a risk score.

Ids survive re-runs: a group of alerts keeps the id of the incident its alerts already
belonged to; when groups grow together, the oldest incident's id (and status) wins and
the others are recorded as merged into it. A new group is named after its earliest alert.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from socpilot.correlate.graph import AlertNode
from socpilot.correlate.risk import RiskContext, score, severity
from socpilot.correlate.settings import Settings
from socpilot.correlate.tactics import chain, label, stage, tactic_order
from socpilot.correlate.templates import fill, template
from socpilot.model.alert import LEVEL_RANK, Alert, Entity, Level

Status = Literal["new", "investigating", "closed"]
STATUSES: tuple[str, ...] = ("new", "investigating", "closed")


class Incident(BaseModel):
    id: str
    title: str
    status: Status = "new"
    severity: Level
    risk: float
    risk_parts: dict[str, float]
    first_seen: datetime
    last_seen: datetime
    tactics: list[str]  # kill-chain order
    techniques: list[str]
    rules: list[str]  # rule titles, most severe first
    hosts: list[str]
    users: list[str]
    entities: list[Entity]
    alert_ids: list[str]
    alert_count: int
    merged_from: list[str] = Field(default_factory=list)


def _new_id(nodes: Sequence[AlertNode], taken: set[str]) -> str:
    earliest = min(nodes, key=lambda n: (n.first, n.alert.id)).alert.id
    for attempt in range(len(taken) + 1):
        digest = hashlib.blake2b(f"{earliest}\0{attempt}".encode(), digest_size=6).hexdigest()
        if "inc-" + digest not in taken:
            return "inc-" + digest
    raise AssertionError("unreachable: more attempts than taken ids")


def title_of(alerts: Sequence[Alert], hosts: list[str], users: list[str]) -> str:
    """Named after the stage of the most severe alert (the furthest stage among equals) and the targets."""
    labels = template("incident")["tactic_labels"]
    known = set(tactic_order())  # a tactic we cannot place never names the incident over one we can
    staged = [(LEVEL_RANK.get(a.rule_level, 0), stage(t) if t in known else -1, t)
              for a in alerts for t in chain(a.tactics)]
    top = max(staged)[2] if staged else "unknown"
    targets = hosts or users or ["unknown entities"]
    target = ", ".join(targets[:2]) + (f" and {len(targets) - 2} more" if len(targets) > 2 else "")
    return fill(template("incident")["title"], stage=label(top, labels), target=target)


def build(groups: Sequence[Sequence[AlertNode]], previous: Mapping[str, str],
          known: Mapping[str, Incident], ctx: RiskContext, settings: Settings) -> list[Incident]:
    """Incidents from groups of alert nodes.

    ``previous`` maps alert ids to the incident they were in; ``known`` holds those incidents,
    whose ids and statuses are carried over.
    """
    taken: set[str] = set()
    built: list[Incident] = []
    # Largest groups choose first, so a split keeps the old id on its bigger half.
    for nodes in sorted(groups, key=lambda g: (-len(g), min(n.first for n in g))):
        prior = sorted({previous[n.alert.id] for n in nodes if n.alert.id in previous} & set(known),
                       key=lambda i: (known[i].first_seen, i))
        free = [i for i in prior if i not in taken]
        incident_id = free[0] if free else _new_id(nodes, taken | set(known))
        taken.add(incident_id)
        built.append(_incident(incident_id, nodes, ctx, settings, known.get(incident_id), free[1:]))
    return sorted(built, key=lambda i: (-i.risk, i.first_seen, i.id))


def _incident(incident_id: str, nodes: Sequence[AlertNode], ctx: RiskContext, settings: Settings,
              before: Incident | None, merged: list[str]) -> Incident:
    alerts = sorted((n.alert for n in nodes), key=lambda a: (a.first_time, a.id))
    first_seen, last_seen = min(n.first for n in nodes), max(n.last for n in nodes)  # on the hosts' clocks
    hosts = sorted({h for n in nodes for h in n.hosts})
    entities = sorted({e for n in nodes for e in n.entities}, key=lambda e: (e.kind, e.value))
    users = sorted({e.value for e in entities if e.kind == "user"})
    tactics = chain(t for a in alerts for t in a.tactics)
    risk, parts = score(alerts, hosts, ctx, settings)
    rules = Counter[str]()
    rank: dict[str, int] = {}
    for a in alerts:
        rules[a.rule_title] += 1
        rank[a.rule_title] = max(rank.get(a.rule_title, 0), LEVEL_RANK.get(a.rule_level, 0))
    status: Status = "new"
    if before is not None:
        status = before.status
        if status == "closed" and max(n.first for n in nodes) > before.last_seen:
            status = "new"  # activity after closing reopens the case
    return Incident(
        id=incident_id, title=title_of(alerts, hosts, users), status=status,
        severity=severity(risk, settings), risk=risk, risk_parts=parts,
        first_seen=first_seen, last_seen=last_seen,
        tactics=tactics, techniques=sorted({t for a in alerts for t in a.techniques}),
        rules=sorted(rules, key=lambda r: (-rank[r], -rules[r], r)),
        hosts=hosts, users=users, entities=entities,
        alert_ids=[a.id for a in alerts], alert_count=len(alerts),
        merged_from=sorted(set(merged) | set(before.merged_from if before else [])),
    )
