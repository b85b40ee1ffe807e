"""Turn batches of event dicts into Parquet parts, one per (source, day), in a staging folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from socpilot.model.event import EVENT_ARROW_SCHEMA, EVENT_COLUMNS

SMALL_PART_ROWS = 1_000
CHUNK_ROWS = 2_048
BATCH_ROWS = 100_000
BATCH_BYTES = 192 << 20  # Arrow bytes buffered per worker before parts are written


@dataclass(frozen=True)
class PartInfo:
    staged: str  # file name inside the staging folder
    relpath: str  # where it lands below the store's events folder
    source: str
    day: str
    rows: int
    min_time: datetime
    max_time: datetime
    # (host name or None, events, first, last) per host in the part: who reports, without a scan
    hosts: tuple[tuple[str | None, int, datetime, datetime], ...] = ()


def _day(ts: datetime) -> str:
    utc = ts if ts.tzinfo is UTC else ts.astimezone(UTC)
    return utc.date().isoformat()


def _column(name: str, values: list[Any], typ: pa.DataType) -> pa.Array:
    if values.count(None) == len(values):  # most columns of most events: no per-value conversion
        return pa.nulls(len(values), typ)
    if pa.types.is_list(typ) and any(isinstance(v, str) for v in values):
        # Arrow would happily split a lone string into a list of characters.
        return pa.array([_coerce(v, typ) for v in values], type=typ)
    try:
        return pa.array(values, type=typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        return pa.array([_coerce(v, typ) for v in values], type=typ)


def _coerce(value: Any, typ: pa.DataType) -> Any:
    """Best-effort per-value conversion; a value that will not convert becomes null."""
    if value is None:
        return None
    try:
        if pa.types.is_integer(typ):
            number = int(value)
            return number if -(2**63) <= number < 2**63 else None
        if pa.types.is_floating(typ):
            return float(value)
        if pa.types.is_string(typ):
            return value if isinstance(value, str) else str(value)
        if pa.types.is_boolean(typ):
            return bool(value)
        if pa.types.is_list(typ):
            return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    except (TypeError, ValueError):
        return None
    return value


def _map_column(values: list[dict[str, str] | None]) -> pa.Array:
    keys: list[str] = []
    items: list[Any] = []
    offsets: list[int | None] = [0]
    for record in values:
        if record is None:
            offsets.append(len(keys))
            continue
        keys.extend(record.keys())
        items.extend(record.values())
        offsets.append(len(keys))
    try:
        item_array = pa.array(items, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        item_array = pa.array([None if v is None else str(v) for v in items], type=pa.string())
    return pa.MapArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(keys, pa.string()), item_array)


# Every value of these is unique: a dictionary page would be built and thrown away.
_DICTIONARY_COLUMNS = [name for name in EVENT_COLUMNS if name not in ("id", "raw", "time")]
# Min/max of long free text prunes nothing and costs a comparison per value.
_STATISTICS_COLUMNS = [name for name in EVENT_COLUMNS
                       if name not in ("id", "raw", "fields", "message", "process_cmd", "parent_cmd")]
_COLUMN_INDEX = {name: i for i, name in enumerate(EVENT_COLUMNS)}
_FIELDS_INDEX = _COLUMN_INDEX["fields"]


def to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows (sparse event dicts) to an Arrow table of the event schema.

    Events fill a dozen of the ~80 columns, so values are scattered by each row's own
    keys into preallocated columns instead of asking every row for every column. A key
    that is not a column (a reader bug) is dropped rather than failing the batch.
    """
    n = len(rows)
    values: list[list[Any]] = [[None] * n for _ in EVENT_COLUMNS]
    index = _COLUMN_INDEX
    for i, row in enumerate(rows):
        for name, value in row.items():
            column = index.get(name)
            if column is not None:
                values[column][i] = value
    columns = [
        _map_column(values[j]) if j == _FIELDS_INDEX else _column(name, values[j], EVENT_ARROW_SCHEMA.field(j).type)
        for j, name in enumerate(EVENT_COLUMNS)
    ]
    return pa.Table.from_arrays(columns, schema=EVENT_ARROW_SCHEMA)


@dataclass
class _DayBuffer:
    """One (source, day): the newest rows as dicts, the older ones already Arrow."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    chunks: list[pa.Table] = field(default_factory=list)
    count: int = 0
    arrow_bytes: int = 0
    min_time: datetime | None = None
    max_time: datetime | None = None


class PartWriter:
    """Buffers events per (source, day) and writes each full batch as its own staged part.

    Rows become Arrow every ``CHUNK_ROWS`` while they are still in the CPU cache (building
    columns from 20,000 cold dicts costs twice as much), and Arrow holds them in a third of
    the memory Python objects need. A part is written when its day reaches ``BATCH_ROWS``
    or ``BATCH_BYTES``, and every buffer is written when all together pass ``BATCH_BYTES``.

    Parts go to the staging folder, which readers never see: a killed process leaves
    at most a half-written staged file, which the next run's ``Store.recover`` removes.
    """

    def __init__(self, staging: Path, prefix: str) -> None:
        self.staging = staging
        self.prefix = prefix
        self.buffers: dict[tuple[str, str], _DayBuffer] = {}
        self.parts: list[PartInfo] = []
        self.arrow_bytes = 0  # Arrow memory held across all days: the memory bound
        staging.mkdir(parents=True, exist_ok=True)

    def add(self, event: dict[str, Any]) -> None:
        key = (event["source"], _day(event["time"]))
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = _DayBuffer()
        buffer.rows.append(event)
        if len(buffer.rows) >= CHUNK_ROWS:
            self._convert(buffer)
            if buffer.count >= BATCH_ROWS or buffer.arrow_bytes >= BATCH_BYTES:
                self._flush(key)
            elif self.arrow_bytes >= BATCH_BYTES:  # many days at once
                self.close()

    def close(self) -> list[PartInfo]:
        for key in list(self.buffers):
            self._flush(key)
        return self.parts

    def _convert(self, buffer: _DayBuffer) -> None:
        rows, buffer.rows = buffer.rows, []
        if not rows:
            return
        times = [row["time"] for row in rows]
        low, high = min(times), max(times)
        buffer.min_time = low if buffer.min_time is None else min(buffer.min_time, low)
        buffer.max_time = high if buffer.max_time is None else max(buffer.max_time, high)
        table = to_table(rows)
        buffer.chunks.append(table)
        buffer.count += len(rows)
        buffer.arrow_bytes += table.nbytes
        self.arrow_bytes += table.nbytes

    def _flush(self, key: tuple[str, str]) -> None:
        buffer = self.buffers.pop(key, None)
        if buffer is None:
            return
        self._convert(buffer)
        if not buffer.count or buffer.min_time is None or buffer.max_time is None:
            return
        self.arrow_bytes -= buffer.arrow_bytes
        source, day = key
        table = pa.concat_tables(buffer.chunks)
        name = f"{self.prefix}-{len(self.parts):05d}.parquet"
        # Staged parts are invisible until the store commits them, so no temporary name is needed.
        if buffer.count < SMALL_PART_ROWS:  # setting up zstd and dictionaries for ~80 columns costs more than they save
            options: dict[str, Any] = {"compression": "snappy", "use_dictionary": False}
        else:
            options = {"compression": "zstd", "compression_level": 1, "use_dictionary": _DICTIONARY_COLUMNS}
        pq.write_table(table, self.staging / name, write_statistics=_STATISTICS_COLUMNS, **options)
        self.parts.append(PartInfo(name, f"source={source}/day={day}/{name}", source, day, buffer.count,
                                   buffer.min_time, buffer.max_time, host_summary(table)))


def host_summary(table: pa.Table) -> tuple[tuple[str | None, int, datetime, datetime], ...]:
    """Per host name (None for rows without one): events, first and last time, host order.

    Computed on the Arrow table already in memory when a part is written, so the console's
    "who reports, who went quiet" sums the catalog instead of scanning every event.
    """
    grouped = table.select(["host_name", "time"]).group_by("host_name").aggregate(
        [("time", "count"), ("time", "min"), ("time", "max")])
    grouped = grouped.sort_by([("host_name", "ascending")])
    hosts = grouped.column("host_name").to_pylist()
    counts = grouped.column("time_count").to_pylist()
    first = pc.cast(grouped.column("time_min"), pa.timestamp("us", "UTC")).to_pylist()
    last = pc.cast(grouped.column("time_max"), pa.timestamp("us", "UTC")).to_pylist()
    return tuple(zip(hosts, counts, first, last, strict=True))
