"""Learn baselines from the store, incrementally: each Parquet part is learned from once.

A baseline row is (profile, entity, value) with first/last seen, count and the first
event; merging new parts only moves those figures, so an update costs the new data,
not the history. The window (days) decides what counts as usual when asking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from socpilot.api import Workspace
from socpilot.baseline.profiles import profiles
from socpilot.store.query import parse, run_query, table_exists

_DDL = """
CREATE TABLE IF NOT EXISTS baseline (
    profile VARCHAR, entity VARCHAR, value VARCHAR, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ,
    n BIGINT, first_id VARCHAR, PRIMARY KEY (profile, entity, value));
CREATE TABLE IF NOT EXISTS baseline_parts (path VARCHAR PRIMARY KEY, learned_at TIMESTAMPTZ);
"""
_MERGE = """
INSERT INTO baseline SELECT * FROM staged
ON CONFLICT (profile, entity, value) DO UPDATE SET
    first_id = CASE WHEN excluded.first_seen < baseline.first_seen THEN excluded.first_id ELSE baseline.first_id END,
    first_seen = least(baseline.first_seen, excluded.first_seen),
    last_seen = greatest(baseline.last_seen, excluded.last_seen),
    n = baseline.n + excluded.n
"""


@dataclass
class BaselineReport:
    parts_learned: int
    events_learned: int
    rows: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def ensure_tables(ws: Workspace) -> None:
    with ws.store.catalog() as con:
        con.execute(_DDL)


def build_baselines(ws: Workspace, rebuild: bool = False) -> BaselineReport:
    started = time.perf_counter()
    ensure_tables(ws)
    with ws.store.catalog() as con:
        if rebuild:
            con.execute("DELETE FROM baseline")
            con.execute("DELETE FROM baseline_parts")
        learned = {r[0] for r in con.execute("SELECT path FROM baseline_parts").fetchall()}
        parts = con.execute("SELECT path, rows FROM parts ORDER BY path").fetchall()
    new = [(path, rows) for path, rows in parts if path not in learned]
    if not new:
        return BaselineReport(0, 0, _count(ws), time.perf_counter() - started)
    read = ws.store.connect(parts=[str(ws.store.events_dir / p) for p, _ in new])
    try:
        staged = []
        for profile in profiles().values():
            for row in run_query(read, profile.aggregate()):
                if row["entity"] is not None and row["value"] is not None:
                    staged.append((profile.name, row["entity"], row["value"], row["first_seen"],
                                   row["last_seen"], row["n"], row["first_id"]))
    finally:
        read.close()
    with ws.store.catalog() as con:
        con.execute("BEGIN")
        con.execute("CREATE TEMP TABLE staged AS SELECT * FROM baseline LIMIT 0")
        if staged:
            con.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?)", staged)
        con.execute(_MERGE)
        con.executemany("INSERT OR REPLACE INTO baseline_parts VALUES (?, now())", [(p,) for p, _ in new])
        con.execute("COMMIT")
    return BaselineReport(len(new), sum(int(r) for _, r in new), _count(ws), time.perf_counter() - started)


def _count(ws: Workspace) -> int:
    with ws.store.catalog(read_only=True) as con:
        row = con.execute("SELECT count(*) FROM baseline").fetchone()
    return int(row[0]) if row else 0


_LOOKUP = parse(
    "SELECT value, first_seen, last_seen, n, first_id FROM baseline "
    "WHERE profile = ? AND entity = ? AND last_seen >= ? AND first_seen <= ? ORDER BY n DESC, value"
)
_NEWEST = parse("SELECT max(last_seen) AS newest FROM baseline")


def lookup(ws: Workspace, profile: str, entity: str, window_days: int = 30,
           as_of: datetime | None = None) -> list[dict[str, Any]]:
    """What is usual for an entity under a profile: values seen in the ``window_days`` before ``as_of``
    (default: the newest learned event)."""
    if profile not in profiles():
        raise KeyError(f"unknown profile {profile!r}; known: {', '.join(profiles())}")
    with ws.store.catalog(read_only=True) as con:
        if not table_exists(con, "baseline"):
            return []
        end = as_of or run_query(con, _NEWEST)[0]["newest"]
        if end is None:
            return []
        return run_query(con, _LOOKUP, [profile, entity.lower(), end - timedelta(days=window_days), end])
