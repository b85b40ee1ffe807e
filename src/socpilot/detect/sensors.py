"""Third-party findings already in the store (Suricata alerts, Zeek notices) become alerts.

They are events of class ``detection``; one alert per signature and source address,
with the sensor as the rule (``rule_source`` ``sensor``). Their ATT&CK techniques
come from the ATT&CK mapper reading the signature text, when it is installed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import duckdb
from sqlglot import exp

from socpilot.detect.alerts import ENTITY_KINDS, make_alert
from socpilot.detect.attack import map_text
from socpilot.detect.compiler import RuleMeta
from socpilot.detect.matches import Match
from socpilot.model.ocsf import EventClass

# OCSF severity_id -> Sigma level.
_LEVELS = {1: "informational", 2: "low", 3: "medium", 4: "high", 5: "critical", 6: "critical"}
_COLUMNS = ("id", "time", "source", "product", "finding_title", "finding_uid", "severity", *ENTITY_KINDS)


def sensor_alerts(con: duckdb.DuckDBPyConnection, relation: exp.Expr, since: datetime | None) -> list[Any]:
    select = exp.select(*(exp.column(c) for c in _COLUMNS)).from_(relation.copy()).where(
        exp.EQ(this=exp.column("class_name"), expression=exp.Placeholder()))
    params: list[Any] = [EventClass.DETECTION.label]
    if since is not None:
        select = select.where(exp.GTE(this=exp.column("time"), expression=exp.Placeholder()))
        params.append(since)
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for values in con.execute(select.sql("duckdb"), params).fetchall():
        row = dict(zip(_COLUMNS, values, strict=True))
        title = row["finding_title"] or "sensor finding"
        groups[(row["product"] or row["source"], title, row["src_ip"] or "")].append(row)
    alerts = []
    techniques_of: dict[str, list[str]] = {}
    for (product, title, _), rows in sorted(groups.items()):
        uid = rows[0]["finding_uid"] or title
        if title not in techniques_of:
            techniques_of[title] = map_text(title)
        meta = RuleMeta(id=f"{product}:{uid}", title=title,
                        level=_LEVELS.get(max(r["severity"] or 3 for r in rows), "medium"),
                        status=None, author=product, license=None, origin="sensor", path="", description=None,
                        tags=(), product=product)
        matches = [Match(meta.id, r["id"], r["time"],
                         {c: str(r[c]) for c in ENTITY_KINDS if r[c] not in (None, "")}, {}) for r in rows]
        alerts.append(make_alert(meta, matches, techniques=techniques_of[title], tactics=[]))
    return alerts
