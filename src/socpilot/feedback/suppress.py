"""Suppressions: an alert of one rule about one entity is hidden for a while, never silently.

Each suppression has an owner, a reason and an expiry, and is always listed with the
number of alerts it hides; correlation leaves suppressed alerts out of incidents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from socpilot.api import Workspace
from socpilot.model.alert import Alert
from socpilot.store.query import parse, run_query, table_exists

MAX_DAYS = 90  # a suppression that never expires is a silent rule change

_DDL = """
CREATE TABLE IF NOT EXISTS suppressions (
    id VARCHAR PRIMARY KEY, rule_id VARCHAR, entity_kind VARCHAR, entity_value VARCHAR, owner VARCHAR,
    reason VARCHAR, created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ)
"""
_ALL = parse("SELECT * FROM suppressions ORDER BY created_at")
_ADD = parse("INSERT OR REPLACE INTO suppressions VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


class Suppression(BaseModel):
    id: str
    rule_id: str
    entity_kind: str
    entity_value: str
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    created_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        return now < self.expires_at

    def hides(self, alert: Alert, now: datetime) -> bool:
        return (self.active(now) and alert.rule_id == self.rule_id
                and any(e.kind == self.entity_kind and e.value.lower() == self.entity_value.lower()
                        for e in alert.entities))


def add_suppression(ws: Workspace, rule_id: str, entity_kind: str, entity_value: str, owner: str, reason: str,
                    days: int = 30) -> Suppression:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a suppression lasts 1 to {MAX_DAYS} days")
    now = datetime.now(UTC)
    sid = "sup-" + hashlib.blake2b(f"{rule_id}|{entity_kind}|{entity_value.lower()}".encode(),
                                   digest_size=5).hexdigest()
    entry = Suppression(id=sid, rule_id=rule_id, entity_kind=entity_kind, entity_value=entity_value,
                        owner=owner.strip(), reason=reason.strip(), created_at=now,
                        expires_at=now + timedelta(days=days))
    with ws.store.catalog() as con:
        con.execute(_DDL)
        run_query(con, _ADD, [entry.id, entry.rule_id, entry.entity_kind, entry.entity_value, entry.owner,
                              entry.reason, entry.created_at, entry.expires_at])
    return entry


def list_suppressions(ws: Workspace) -> list[Suppression]:
    with ws.store.catalog(read_only=True) as con:
        if not table_exists(con, "suppressions"):
            return []
        return [Suppression(**r) for r in run_query(con, _ALL)]


def split_suppressed(alerts: Iterable[Alert], suppressions: list[Suppression], now: datetime | None = None
                     ) -> tuple[list[Alert], list[Alert]]:
    """(kept, suppressed): what analysts see, and what active suppressions hide."""
    moment = now or datetime.now(UTC)
    kept: list[Alert] = []
    hidden: list[Alert] = []
    for alert in alerts:
        (hidden if any(s.hides(alert, moment) for s in suppressions) else kept).append(alert)
    return kept, hidden
