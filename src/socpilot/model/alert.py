"""An alert: a rule (or a third-party sensor) matched events. It always cites them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["informational", "low", "medium", "high", "critical"]
LEVEL_RANK: dict[str, int] = {"informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

EntityKind = Literal[
    "host", "ip", "user", "process", "hash", "domain", "url", "cloud_principal", "access_key", "file", "country"
]


class Entity(BaseModel):
    kind: EntityKind
    value: str

    def __hash__(self) -> int:
        return hash((self.kind, self.value))


class Alert(BaseModel):
    id: str
    rule_id: str
    rule_title: str
    rule_level: Level = "medium"
    rule_status: str | None = None
    rule_author: str | None = None  # kept for attribution (the DRL requires it for SigmaHQ rules)
    rule_license: str | None = None
    rule_source: str = "sigma"  # sigmahq, builtin, sensor (Suricata/Defender), anomaly
    description: str | None = None
    techniques: list[str] = Field(default_factory=list)  # ATT&CK v18.1 ids
    tactics: list[str] = Field(default_factory=list)  # ATT&CK tactic shortnames
    first_time: datetime
    last_time: datetime
    count: int = 1
    event_ids: list[str]  # the evidence; never empty
    entities: list[Entity] = Field(default_factory=list)
    group_key: str | None = None  # correlation rules: the group-by value


def alert_id(rule_id: str, event_ids: list[str], group_key: str | None = None) -> str:
    """Stable across re-runs: the same rule over the same evidence gives the same id."""
    h = hashlib.blake2b(digest_size=10)
    h.update(rule_id.encode())
    h.update(b"\0" + (group_key or "").encode())
    for eid in sorted(event_ids)[:1]:
        h.update(b"\0" + eid.encode())
    return "al-" + h.hexdigest()
