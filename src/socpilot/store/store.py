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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from socpilot.ingest.quarantine import Quarantined
from socpilot.model.event import EVENT_ARROW_SCHEMA
from socpilot.store.query import table_exists
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
# Who reports in each part (host_name NULL: the part's events without a host), written with the
# part: stores made before it have parts without rows here, which readers then scan instead.
_PART_HOSTS_DDL = """
CREATE TABLE IF NOT EXISTS part_hosts (
    path VARCHAR, host_name VARCHAR, events BIGINT, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ);
"""


class StoreBusy(RuntimeError):
    """Another process holds the store's write lock."""


@dataclass(frozen=True)
class Finished:
    """An input read completely into staged parts, ready to be committed."""

    key: str
    display: str
    source: str
    records: int
    parts: list[PartInfo]
    quarantined: list[Quarantined]


class Store:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.events_dir = home / "store" / "events"
        self.staging_dir = home / "store" / "staging"
        self.catalog_path = home / "catalog.duckdb"
        self.events_dir.mkdir(parents=True, exist_ok=True)
        if not self._has_catalog():
            with self.catalog() as con:
                con.execute(_CATALOG_DDL + _PART_HOSTS_DDL)

    # -- catalog ---------------------------------------------------------------
    def _has_catalog(self) -> bool:
        """Whether the catalog exists with its tables, asked read-only: opening a workspace to read it
        must not need the write handle DuckDB refuses beside another process's (or session's) reader."""
        if not self.catalog_path.exists():
            return False
        with self.catalog(read_only=True) as con:
            return all(table_exists(con, name) for name in ("inputs", "parts", "quarantine"))

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
        """Where an input's parts wait for their commit; shared by all inputs, whose part
        names carry their key, because a folder per input costs two slow metadata operations."""
        return self.staging_dir

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store's write lock: one ingest at a time, or ``recover`` would delete
        the other run's staged parts. Raises ``StoreBusy`` at once when it is taken."""
        with open(self.home / ".write.lock", "a+b") as handle:
            if fcntl is not None:  # POSIX; elsewhere DuckDB's own single-writer lock still applies
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise StoreBusy(f"another socpilot ingest is writing to {self.home}; "
                                    "wait for it to finish") from None
            yield

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

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One catalog connection for a whole ingest run (opening one per input is the slow part)."""
        with self.catalog() as con:
            yield con

    def commit(self, key: str, display: str, source: str, records: int,
               parts: list[PartInfo], quarantined: list[Quarantined],
               con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Move an input's staged parts into place and list them, in one catalog transaction."""
        self.commit_many([Finished(key, display, source, records, parts, quarantined)], con)

    def commit_many(self, inputs: list[Finished], con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Commit several finished inputs in one catalog transaction (a DuckDB commit costs ~10 ms).

        Parts are moved into place first; a kill between the moves and the transaction
        leaves unlisted parts, which readers never see and ``recover`` deletes. So each
        input is visible whole or not at all, and a rerun ingests it exactly once.
        """
        if not inputs:
            return
        if con is None:
            with self.writing() as own:
                self.commit_many(inputs, own)
            return
        made: set[Path] = set()
        for item in inputs:
            staging = self.staging_for(item.key)
            for part in item.parts:
                target = self.events_dir / part.relpath
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                os.replace(staging / part.staged, target)
        now = datetime.now(UTC)
        parts = pa.table({
            "path": [p.relpath for i in inputs for p in i.parts],
            "input_key": [i.key for i in inputs for _ in i.parts],
            "source": [p.source for i in inputs for p in i.parts],
            "day": [p.day for i in inputs for p in i.parts],
            "rows": pa.array([p.rows for i in inputs for p in i.parts], pa.int64()),
            "min_time": pa.array([p.min_time for i in inputs for p in i.parts], pa.timestamp("us", "UTC")),
            "max_time": pa.array([p.max_time for i in inputs for p in i.parts], pa.timestamp("us", "UTC")),
        })
        quarantine = pa.table({
            "input_key": [i.key for i in inputs for _ in i.quarantined],
            "file": [i.display for i in inputs for _ in i.quarantined],
            "offset": pa.array([q.offset for i in inputs for q in i.quarantined], pa.int64()),
            "reason": [q.reason for i in inputs for q in i.quarantined],
            "head": pa.array([q.head for i in inputs for q in i.quarantined], pa.binary()),
            "quarantined_at": pa.array([now for i in inputs for _ in i.quarantined], pa.timestamp("us", "UTC")),
        })
        hosts = [(p.relpath, h) for i in inputs for p in i.parts for h in p.hosts]
        part_hosts = pa.table({
            "path": [path for path, _ in hosts],
            "host_name": pa.array([h[0] for _, h in hosts], pa.string()),
            "events": pa.array([h[1] for _, h in hosts], pa.int64()),
            "first_seen": pa.array([h[2] for _, h in hosts], pa.timestamp("us", "UTC")),
            "last_seen": pa.array([h[3] for _, h in hosts], pa.timestamp("us", "UTC")),
        })
        listed = pa.table({
            "key": [i.key for i in inputs],
            "display": [i.display for i in inputs],
            "source": [i.source for i in inputs],
            "records": pa.array([i.records for i in inputs], pa.int64()),
            "quarantined": pa.array([len(i.quarantined) for i in inputs], pa.int64()),
            "ingested_at": pa.array([now] * len(inputs), pa.timestamp("us", "UTC")),
        })
        # Whole batches as Arrow tables: DuckDB's executemany runs one statement per row.
        con.register("new_parts", parts)
        con.register("new_quarantine", quarantine)
        con.register("new_inputs", listed)
        con.register("new_part_hosts", part_hosts)
        con.execute("BEGIN")
        try:
            con.execute(_PART_HOSTS_DDL)
            con.execute("DELETE FROM part_hosts WHERE path IN (SELECT path FROM new_parts)")
            con.execute("INSERT INTO part_hosts SELECT * FROM new_part_hosts")
            con.execute("INSERT OR REPLACE INTO parts SELECT * FROM new_parts")
            con.execute("INSERT INTO quarantine SELECT * FROM new_quarantine")
            con.execute("INSERT OR REPLACE INTO inputs SELECT * FROM new_inputs")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("new_parts", "new_quarantine", "new_inputs", "new_part_hosts"):
                con.unregister(name)

    def record_unreadable(self, key: str, display: str, reason: str,
                          con: duckdb.DuckDBPyConnection | None = None) -> None:
        """An input no reader could open: listed in quarantine, not marked ingested."""
        if con is None:
            with self.writing() as own:
                self.record_unreadable(key, display, reason, own)
            return
        con.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                    (key, display, 0, reason, b"", datetime.now(UTC)))

    def part_paths(self) -> list[str]:
        with self.catalog(read_only=True) as con:
            rows = con.execute("SELECT path FROM parts ORDER BY path").fetchall()
        return [str(self.events_dir / row[0]) for row in rows]

    # -- reading ---------------------------------------------------------------
    def connect(self, parts: list[str] | None = None, isolated: bool = False) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB session: the catalog opened READ_ONLY, with a temporary ``events`` view.

        Nothing reachable from this session can change the store: the database file is
        opened read-only and ``events`` is a view over committed parts (or over the given
        ``parts``, for incremental work). Catalog tables are reachable as ``catalog.<name>``.
        Close it before writing to the catalog from the same process: DuckDB refuses a
        read-write handle while a read-only one is open.

        DuckDB shares one database instance between the connections of a process to the same
        file, and settings such as ``lock_configuration`` belong to the instance. ``isolated``
        gives the session an in-memory instance of its own with the catalog attached, for a
        caller that changes or locks settings (a hunting session) without touching the others.
        """
        paths = self.part_paths() if parts is None else parts
        if isolated:
            con = duckdb.connect()
            con.execute(f"ATTACH {_quote(str(self.catalog_path))} AS catalog (READ_ONLY)")
            con.execute("USE catalog")
        else:
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
