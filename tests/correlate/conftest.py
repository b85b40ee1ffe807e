"""Builders for correlation tests: events written straight into a workspace store, and alerts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socpilot.api import Workspace
from socpilot.model.alert import Alert, Entity, alert_id
from socpilot.model.event import event_id
from socpilot.model.ocsf import EventClass
from socpilot.store.writer import PartWriter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PutEvents = Callable[[Iterable[dict[str, Any]]], list[dict[str, Any]]]


def make_event(source: str, time: datetime, cls: EventClass, **columns: Any) -> dict[str, Any]:
    """An event row as a reader would produce it, with its id computed from its raw text."""
    raw = f"{source}|{time.isoformat()}|" + "|".join(f"{k}={v}" for k, v in sorted(columns.items()))
    row = {"time": time, "source": source, "class_uid": int(cls), "class_name": cls.label, "raw": raw, **columns}
    row["id"] = event_id(source, raw)
    return row


def make_alert(rule: str, events: list[dict[str, Any]], level: str = "medium", tactics: Iterable[str] = (),
               techniques: Iterable[str] = (), entities: Iterable[Entity] = (), title: str | None = None) -> Alert:
    ids = [e["id"] for e in events]
    times = [e["time"] for e in events]
    return Alert(id=alert_id(rule, ids), rule_id=rule, rule_title=title or f"Rule {rule}", rule_level=level,
                 rule_source="builtin", techniques=list(techniques), tactics=list(tactics),
                 first_time=min(times), last_time=max(times), count=len(ids), event_ids=ids,
                 entities=list(entities))


@pytest.fixture
def put_events(workspace: Workspace) -> PutEvents:
    """Write event rows into the workspace store as one committed input; returns the rows."""

    def put(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = list(rows)
        key = hashlib.blake2b(b"".join(r["id"].encode() for r in rows), digest_size=16).hexdigest()
        writer = PartWriter(workspace.store.staging_for(key), key[:16])
        for row in rows:
            writer.add(dict(row))
        workspace.store.commit(key, f"test-{key[:8]}", rows[0]["source"], len(rows), writer.close(), [])
        return rows

    return put


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


class Builders:
    """The builders above, handed to tests as the ``b`` fixture (test modules cannot import conftest)."""

    t0 = T0
    event = staticmethod(make_event)
    alert = staticmethod(make_alert)
    minutes = staticmethod(minutes)


@pytest.fixture
def b() -> type[Builders]:
    return Builders
