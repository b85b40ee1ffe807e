"""The store: committed Parquet parts plus a DuckDB catalog that lists them.

Readers of the store only ever see parts the catalog lists, and an input's parts and
catalog rows are committed together; so a run killed mid-ingest leaves nothing
visible, and running it again ingests the input exactly once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from socpilot.ingest.quarantine import Quarantined
from socpilot.model.event import EVENT_ARROW_SCHEMA
from socpilot.store.writer import PartInfo

_CATALOG_DDL = """
CREATE TABLE IF NOT EXISTS inputs (
    key VARCHAR PRIMARY KEY, display VARCHAR, source VARCHAR, records BIGINT,
    quarantined BIGINT, ingested_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS parts (
    path VARCHAR PRIMARY KEY, input_key VARCHAR, source VARCHAR, day VARCHAR, rows BIGINT,
    min_time TIMESTAMPTZ, max_time TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS quarantine (
    input_key VARCHAR, file VARCHAR, "offset" BIGINT, reason VARCHAR, head BLOB, quarantined_at TIMESTAMPTZ);
"""


class Store:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.events_dir = home / "store" / "events"
        self.staging_dir = home / "store" / "staging"
        self.catalog_path = home / "catalog.duckdb"
        self.events_dir.mkdir(parents=True, exist_ok=True)
        with self.catalog() as con:
            con.execute(_CATALOG_DDL)

    # -- catalog ---------------------------------------------------------------
    @contextmanager
    def catalog(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to the catalog (DuckDB allows one writer process)."""
        con = duckdb.connect(str(self.catalog_path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def ingested_keys(self) -> set[str]:
        with self.catalog(read_only=True) as con:
            return {row[0] for row in con.execute("SELECT key FROM inputs").fetchall()}

    def staging_for(self, key: str) -> Path:
        return self.staging_dir / key[:32]

    def recover(self) -> int:
        """Drop what a killed run left: staged parts and part files the catalog does not list."""
        removed = 0
        if self.staging_dir.exists():
            removed += sum(1 for p in self.staging_dir.rglob("*") if p.is_file())
            shutil.rmtree(self.staging_dir)
        with self.catalog(read_only=True) as con:
            listed = {row[0] for row in con.execute("SELECT path FROM parts").fetchall()}
        for part in self.events_dir.rglob("*.parquet*"):
            if part.relative_to(self.events_dir).as_posix() not in listed:
                part.unlink()
                removed += 1
        return removed

    def commit(self, key: str, display: str, source: str, records: int,
               parts: list[PartInfo], quarantined: list[Quarantined]) -> None:
        """Move an input's staged parts into place and list them, in one catalog transaction."""
        staging = self.staging_for(key)
        for part in parts:
            target = self.events_dir / part.relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / part.staged, target)
        now = datetime.now(UTC)
        with self.catalog() as con:
            con.execute("BEGIN")
            con.executemany(
                "INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(p.relpath, key, p.source, p.day, p.rows, p.min_time, p.max_time) for p in parts],
            )
            con.executemany(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                [(key, display, q.offset, q.reason, q.head, now) for q in quarantined],
            )
            con.execute("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?, ?, ?)",
                        (key, display, source, records, len(quarantined), now))
            con.execute("COMMIT")
        shutil.rmtree(staging, ignore_errors=True)

    def record_unreadable(self, key: str, display: str, reason: str) -> None:
        """An input no reader could open: listed in quarantine, not marked ingested."""
        with self.catalog() as con:
            con.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                        (key, display, 0, reason, b"", datetime.now(UTC)))

    def part_paths(self) -> list[str]:
        with self.catalog(read_only=True) as con:
            rows = con.execute("SELECT path FROM parts ORDER BY path").fetchall()
        return [str(self.events_dir / row[0]) for row in rows]

    # -- reading ---------------------------------------------------------------
    def connect(self, parts: list[str] | None = None) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB session: the catalog opened READ_ONLY, with a temporary ``events`` view.

        Nothing reachable from this session can change the store: the database file is
        opened read-only and ``events`` is a view over committed parts (or over the given
        ``parts``, for incremental work). Catalog tables are reachable as ``catalog.<name>``.
        Close it before writing to the catalog from the same process: DuckDB refuses a
        read-write handle while a read-only one is open.
        """
        paths = self.part_paths() if parts is None else parts
        con = duckdb.connect(str(self.catalog_path), read_only=True)
        if paths:
            con.execute("CREATE TEMP VIEW events AS SELECT * FROM read_parquet($paths)".replace(
                "$paths", "[" + ", ".join(_quote(p) for p in paths) + "]"))
        else:
            con.register("empty_events", EVENT_ARROW_SCHEMA.empty_table())
            con.execute("CREATE TEMP VIEW events AS SELECT * FROM empty_events")
        return con


def _quote(path: str) -> str:
    # DDL cannot take bound parameters; the paths are ours (catalog rows), quoted as literals.
    return "'" + path.replace("'", "''") + "'"
