"""Incidents, their alerts and fleet patterns in the workspace catalog.

Each run replaces the incident tables in one transaction; what analysts decide (status)
and which incidents were merged into which survive re-runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
from sqlglot import exp

from socpilot.correlate.fleet import FleetPattern
from socpilot.correlate.incidents import Incident
from socpilot.model.alert import Alert
from socpilot.store.query import parse, run_query

_DDL = """
CREATE TABLE IF NOT EXISTS incidents (
    id VARCHAR PRIMARY KEY, status VARCHAR, severity VARCHAR, risk DOUBLE, title VARCHAR,
    first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ, doc VARCHAR, updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS incident_alerts (alert_id VARCHAR PRIMARY KEY, incident_id VARCHAR, alert VARCHAR);
CREATE TABLE IF NOT EXISTS incident_merges (old_id VARCHAR PRIMARY KEY, new_id VARCHAR, merged_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS fleet_patterns (id VARCHAR PRIMARY KEY, host_count BIGINT, doc VARCHAR);
"""
TABLES = ("incidents", "incident_alerts", "incident_merges", "fleet_patterns")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)  # DDL takes no parameters; it is a constant


def has_table(con: duckdb.DuckDBPyConnection, *names: str, catalog: str | None = None) -> bool:
    """Whether all these tables exist (in ``catalog`` when given)."""
    tree = (exp.select(exp.func("count", exp.Star()).as_("n")).from_(exp.table_("tables", db="information_schema"))
            .where(exp.column("table_name").isin(*[exp.Placeholder()] * len(names))))
    params: list[object] = list(names)
    if catalog:
        tree = tree.where(exp.column("table_catalog").eq(exp.Placeholder()))
        params.append(catalog)
    return run_query(con, tree, params)[0]["n"] == len(set(names))


def present(con: duckdb.DuckDBPyConnection, catalog: str | None) -> bool:
    """Whether the incident tables exist (a workspace that never correlated has none)."""
    return has_table(con, *TABLES, catalog=catalog)


def _table(name: str, catalog: str | None) -> exp.Table:
    return exp.table_(name, catalog=catalog) if catalog else exp.table_(name)


def previous_assignment(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, str]:
    """Alert id -> incident id, as last stored."""
    if not present(con, catalog):
        return {}
    rows = run_query(con, exp.select("alert_id", "incident_id").from_(_table("incident_alerts", catalog)))
    return {r["alert_id"]: r["incident_id"] for r in rows}


def load_incidents(con: duckdb.DuckDBPyConnection, catalog: str | None = None,
                   ids: Sequence[str] | None = None) -> list[Incident]:
    """Stored incidents (all, or those with ``ids``), highest risk first, with their current status."""
    if not present(con, catalog):
        return []
    tree = exp.select("doc", "status").from_(_table("incidents", catalog)).order_by("risk DESC", "first_seen", "id")
    params: list[object] = []
    if ids is not None:
        if not ids:
            return []
        tree = tree.where(exp.column("id").isin(*[exp.Placeholder()] * len(ids)))
        params = list(ids)
    return [Incident.model_validate_json(r["doc"]).model_copy(update={"status": r["status"]})
            for r in run_query(con, tree, params)]


def merged_into(con: duckdb.DuckDBPyConnection, incident_id: str, catalog: str | None = None) -> str | None:
    if not present(con, catalog):
        return None
    tree = (exp.select("new_id").from_(_table("incident_merges", catalog))
            .where(exp.column("old_id").eq(exp.Placeholder())))
    rows = run_query(con, tree, [incident_id])
    return rows[0]["new_id"] if rows else None


def incident_alerts(con: duckdb.DuckDBPyConnection, incident_id: str, catalog: str | None = None) -> list[Alert]:
    tree = (exp.select("alert").from_(_table("incident_alerts", catalog))
            .where(exp.column("incident_id").eq(exp.Placeholder())))
    alerts = [Alert.model_validate_json(r["alert"]) for r in run_query(con, tree, [incident_id])]
    return sorted(alerts, key=lambda a: (a.first_time, a.id))


def load_patterns(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[FleetPattern]:
    if not present(con, catalog):
        return []
    tree = exp.select("doc").from_(_table("fleet_patterns", catalog)).order_by("host_count DESC", "id")
    return [FleetPattern.model_validate_json(r["doc"]) for r in run_query(con, tree)]


def save(con: duckdb.DuckDBPyConnection, incidents: Sequence[Incident], alerts: dict[str, Alert],
         patterns: Sequence[FleetPattern]) -> None:
    """Replace the stored incidents and patterns with this run's, in one transaction."""
    ensure_tables(con)
    now = datetime.now(UTC)
    incident_rows = pa.table({
        "id": [i.id for i in incidents], "status": [i.status for i in incidents],
        "severity": [i.severity for i in incidents], "risk": pa.array([i.risk for i in incidents], pa.float64()),
        "title": [i.title for i in incidents],
        "first_seen": pa.array([i.first_seen for i in incidents], pa.timestamp("us", tz="UTC")),
        "last_seen": pa.array([i.last_seen for i in incidents], pa.timestamp("us", tz="UTC")),
        "doc": [i.model_dump_json() for i in incidents],
        "updated_at": pa.array([now] * len(incidents), pa.timestamp("us", tz="UTC")),
    })
    alert_rows = pa.table({
        "alert_id": [a for i in incidents for a in i.alert_ids],
        "incident_id": [i.id for i in incidents for _ in i.alert_ids],
        "alert": [alerts[a].model_dump_json() for i in incidents for a in i.alert_ids],
    })
    pattern_rows = pa.table({
        "id": [p.id for p in patterns], "host_count": pa.array([p.host_count for p in patterns], pa.int64()),
        "doc": [p.model_dump_json() for p in patterns],
    })
    merges = [(old, i.id, now) for i in incidents for old in i.merged_from]
    con.register("run_incidents", incident_rows)
    con.register("run_alerts", alert_rows)
    con.register("run_patterns", pattern_rows)
    con.execute("BEGIN")
    for name in ("incidents", "incident_alerts", "fleet_patterns"):
        con.execute(exp.delete(name).sql("duckdb"))
    con.execute(parse("INSERT INTO incidents SELECT * FROM run_incidents").sql("duckdb"))
    con.execute(parse("INSERT INTO incident_alerts SELECT * FROM run_alerts").sql("duckdb"))
    con.execute(parse("INSERT INTO fleet_patterns SELECT * FROM run_patterns").sql("duckdb"))
    if merges:
        con.executemany(parse("INSERT OR REPLACE INTO incident_merges VALUES (?, ?, ?)").sql("duckdb"), merges)
    con.execute("COMMIT")
    for name in ("run_incidents", "run_alerts", "run_patterns"):
        con.unregister(name)


def set_status(con: duckdb.DuckDBPyConnection, incident_id: str, status: str) -> bool:
    """Record an analyst's status; False when there is no such incident."""
    if not present(con, None):
        return False
    tree = parse("UPDATE incidents SET status = ?, updated_at = ? WHERE id = ? RETURNING id")
    return bool(con.execute(tree.sql("duckdb"), [status, datetime.now(UTC), incident_id]).fetchall())
