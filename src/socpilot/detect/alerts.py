"""Alerts from matches, and their storage in the catalog (table ``alerts``).

A detection rule's matches become one alert per rule and entity (host, else cloud
principal, else source ip, else user): an analyst reads "rule X on host Y, 40
times", not 40 alerts. Every alert keeps the ids of its events (its evidence).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa
from sqlglot import exp

from socpilot.detect.compiler import RuleMeta
from socpilot.detect.matches import Match
from socpilot.model.alert import LEVEL_RANK, Alert, Entity, alert_id
from socpilot.store.query import insert_arrow

MAX_EVIDENCE = 1000  # event ids kept per alert; count keeps the true total

# Normalized column -> entity kind an alert names.
ENTITY_KINDS = {
    "host_name": "host", "user_name": "user", "target_user_name": "user", "src_ip": "ip", "dst_ip": "ip",
    "process_guid": "process", "process_path": "file", "file_path": "file", "process_sha256": "hash",
    "process_md5": "hash", "dns_query": "domain", "http_host": "domain", "tls_sni": "domain",
    "cloud_principal": "cloud_principal", "access_key_id": "access_key", "src_country": "country",
}
_SUBJECT = ("host_name", "cloud_principal", "src_ip", "user_name")
_MAX_ENTITIES = 50

_DDL = """
CREATE TABLE IF NOT EXISTS alerts (
    id VARCHAR PRIMARY KEY, rule_id VARCHAR, rule_title VARCHAR, rule_level VARCHAR, rule_status VARCHAR,
    rule_author VARCHAR, rule_license VARCHAR, rule_source VARCHAR, description VARCHAR,
    techniques VARCHAR[], tactics VARCHAR[], first_time TIMESTAMPTZ, last_time TIMESTAMPTZ, count BIGINT,
    event_ids VARCHAR[], entities JSON, group_key VARCHAR, document JSON, detected_at TIMESTAMPTZ)
"""


def subject_of(match: Match) -> str:
    """What an alert is about: the first entity of host, cloud principal, source ip, user."""
    for column in _SUBJECT:
        if column in match.entities:
            return match.entities[column]
    return ""


def entities_of(matches: Iterable[Match]) -> list[Entity]:
    seen: dict[tuple[str, str], None] = {}
    for m in matches:
        for column, value in m.entities.items():
            seen.setdefault((ENTITY_KINDS[column], value), None)
            if len(seen) >= _MAX_ENTITIES:
                break
    return [Entity(kind=kind, value=value) for kind, value in seen]  # type: ignore[arg-type]


def make_alert(meta: RuleMeta, matches: Sequence[Match], group_key: str | None = None,
               techniques: list[str] | None = None, tactics: list[str] | None = None,
               description: str | None = None) -> Alert:
    """One alert citing ``matches`` (never empty)."""
    ordered = sorted(matches, key=lambda m: (m.time, m.event_id))
    event_ids = list(dict.fromkeys(m.event_id for m in ordered))
    return Alert(
        id=alert_id(meta.id, event_ids, group_key),
        rule_id=meta.id, rule_title=meta.title, rule_level=_level(meta.level), rule_status=meta.status,
        rule_author=meta.author, rule_license=meta.license, rule_source=meta.origin,
        description=description or meta.description,
        techniques=techniques if techniques is not None else meta.techniques,
        tactics=tactics if tactics is not None else meta.tactics,
        first_time=ordered[0].time, last_time=ordered[-1].time, count=len(event_ids),
        event_ids=event_ids[:MAX_EVIDENCE], entities=entities_of(ordered), group_key=group_key,
    )


def _level(level: str) -> Any:
    return level if level in ("informational", "low", "medium", "high", "critical") else "medium"


def rule_alerts(meta: RuleMeta, matches: Sequence[Match], techniques: list[str] | None = None,
                tactics: list[str] | None = None) -> list[Alert]:
    """A detection rule's matches, one alert per subject entity."""
    by_subject: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        by_subject[subject_of(m)].append(m)
    return [make_alert(meta, group, techniques=techniques, tactics=tactics) for _, group in sorted(by_subject.items())]


# -- storage ---------------------------------------------------------------------
def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)


def save(con: duckdb.DuckDBPyConnection, alerts: Iterable[Alert], at: datetime) -> int:
    """Insert or replace alerts by id (a re-run over the same evidence gives the same ids)."""
    batch = list({a.id: a for a in alerts}.values())
    if not batch:
        return 0
    # One Arrow batch: executemany pays a round trip per row.
    table = pa.table({
        "id": [a.id for a in batch], "rule_id": [a.rule_id for a in batch],
        "rule_title": [a.rule_title for a in batch], "rule_level": [a.rule_level for a in batch],
        "rule_status": [a.rule_status for a in batch], "rule_author": [a.rule_author for a in batch],
        "rule_license": [a.rule_license for a in batch], "rule_source": [a.rule_source for a in batch],
        "description": [a.description for a in batch],
        "techniques": pa.array([a.techniques for a in batch], pa.list_(pa.string())),
        "tactics": pa.array([a.tactics for a in batch], pa.list_(pa.string())),
        "first_time": [a.first_time for a in batch], "last_time": [a.last_time for a in batch],
        "count": [a.count for a in batch],
        "event_ids": pa.array([a.event_ids for a in batch], pa.list_(pa.string())),
        "entities": [orjson.dumps([e.model_dump() for e in a.entities]).decode() for a in batch],
        "group_key": pa.array([a.group_key for a in batch], pa.string()),
        "document": [a.model_dump_json() for a in batch],
        "detected_at": [at] * len(batch),
    })
    insert_arrow(con, table, "alerts")
    return len(batch)


def load_alerts(con: duckdb.DuckDBPyConnection, rule_id: str | None = None, limit: int | None = None) -> list[Alert]:
    """Stored alerts, most severe and most recent first."""
    rank = exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.column("rule_level"), expression=exp.Literal.string(level)),
                                true=exp.Literal.number(n)) for level, n in LEVEL_RANK.items()],
                    default=exp.Literal.number(0))
    query = exp.select("document").from_("alerts").order_by(
        exp.Ordered(this=rank, desc=True), exp.Ordered(this=exp.column("last_time"), desc=True), "id")
    params: list[Any] = []
    if rule_id:
        query = query.where(exp.EQ(this=exp.column("rule_id"), expression=exp.Placeholder()))
        params.append(rule_id)
    if limit:
        query = query.limit(exp.Placeholder())
        params.append(limit)
    return [Alert.model_validate_json(row[0]) for row in con.execute(query.sql("duckdb"), params).fetchall()]
