"""Anomaly alerts: behaviour first seen in a period, against a baseline with enough history.

Each alert says which baseline it breaks ("powershell.exe launched by winword.exe:
never seen on the 212 hosts in 30 days") and cites the events that broke it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from socpilot.api import Workspace
from socpilot.baseline.learn import ensure_tables, lookup
from socpilot.baseline.profiles import profiles
from socpilot.detect.alerts import ensure_tables as ensure_alert_tables
from socpilot.detect.alerts import save as save_alerts
from socpilot.model.alert import Alert, Entity, alert_id
from socpilot.store.query import parse, run_query

EVIDENCE_LIMIT = 20

_FIRST_SEEN_IN_PERIOD = parse(
    "SELECT b.entity, b.value, b.first_seen, b.last_seen, b.n, h.history_start FROM baseline AS b "
    "JOIN (SELECT profile, entity, min(first_seen) AS history_start FROM baseline GROUP BY profile, entity) AS h "
    "ON b.profile = h.profile AND b.entity = h.entity "
    "WHERE b.profile = ? AND b.first_seen >= ? AND h.history_start <= ? ORDER BY b.first_seen"
)
_SPREAD = parse("SELECT count(DISTINCT entity) AS n FROM baseline WHERE profile = ? AND last_seen >= ?")
_NEWEST = parse("SELECT max(last_seen) AS newest, min(first_seen) AS oldest FROM baseline")


@dataclass(frozen=True)
class Anomaly:
    kind: str
    entity: str
    value: str
    message: str
    first_seen: datetime
    event_ids: list[str]

    def to_alert(self, spec: dict[str, Any], last_seen: datetime) -> Alert:
        entities = []
        if spec.get("entity_kind") and self.entity != "*":
            entities.append(Entity(kind=spec["entity_kind"], value=self.entity))
        return Alert(
            id=alert_id(f"anomaly:{self.kind}", self.event_ids, f"{self.entity}|{self.value}"),
            rule_id=f"socpilot-anomaly-{self.kind}", rule_title=spec["title"], rule_level=spec["level"],
            rule_status="experimental", rule_author="socpilot baselines", rule_source="anomaly",
            description=self.message, techniques=list(spec.get("techniques", [])), first_time=self.first_seen,
            last_time=last_seen, count=len(self.event_ids), event_ids=self.event_ids, entities=entities,
            group_key=f"{self.entity}|{self.value}")


@lru_cache(maxsize=1)
def anomaly_specs() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(files("socpilot.baseline").joinpath("anomalies.yml").read_text())


def find_anomalies(ws: Workspace, since: datetime | None = None, window_days: int = 30,
                   save: bool = True) -> list[Alert]:
    """Anomaly alerts for everything first seen at or after ``since`` (default: the newest day).

    They are stored with detection's alerts (``save``), so incidents, narratives and answers
    that cite them cite something that exists.
    """
    ensure_tables(ws)
    with ws.store.catalog(read_only=True) as con:
        bounds = run_query(con, _NEWEST)[0]
    if bounds["newest"] is None:
        return []
    start = since or bounds["newest"] - timedelta(days=1)
    alerts: list[Alert] = []
    events = ws.connect()
    try:
        for kind, spec in anomaly_specs().items():
            profile = profiles()[spec["profile"]]
            history_before = start - timedelta(days=spec.get("min_history_days", 1))
            with ws.store.catalog(read_only=True) as con:
                rows = run_query(con, _FIRST_SEEN_IN_PERIOD, [profile.name, start, history_before])
                spread_profile = spec.get("spread_profile")
                spread = (run_query(con, _SPREAD, [spread_profile, start - timedelta(days=window_days)])[0]["n"]
                          if spread_profile else 0)
            for row in rows:
                ids = [r["id"] for r in run_query(events, profile.evidence(),
                                                  [row["entity"], row["value"], start, EVIDENCE_LIMIT])]
                if not ids:
                    continue
                days = max(1, min(window_days, (start - row["history_start"]).days))
                usual = ", ".join(str(u["value"]) for u in lookup(ws, profile.name, row["entity"], window_days,
                                                                  as_of=start)[:5]) or "none"
                message = spec["message"].format(entity=row["entity"], value=row["value"], spread=spread,
                                                 days=days, usual=usual)
                anomaly = Anomaly(kind, row["entity"], row["value"], message, row["first_seen"], ids)
                alerts.append(anomaly.to_alert(spec, row["last_seen"]))
    finally:
        events.close()
    if save and alerts:
        with ws.store.catalog() as con:
            ensure_alert_tables(con)
            save_alerts(con, alerts, datetime.now(UTC))
    return alerts
