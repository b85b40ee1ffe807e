"""The domain-registration cache: domain -> created date (and registrar), imported by the user.

``socpilot intel import FILE`` reads CSV or JSON (array or lines) with a domain and a
created column (common header spellings accepted) and keeps the cache as one Parquet
file under ``HOME/intel``; a later import adds rows and replaces those of the same domain.
Assets and identities come from the inventory (``socpilot inventory import``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

# header aliases -> our column name, per kind; the key column comes first
_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "domains": {
        "domain": ("domain", "domain_name", "name", "fqdn"),
        "created": ("created", "created_date", "creation_date", "registered", "registration_date",
                    "registered_at", "created_at"),
        "registrar": ("registrar",),
    },
}
# the one column that tells each kind apart
_SIGNATURE = {"domains": "created"}


@dataclass(frozen=True)
class ImportResult:
    kind: str
    imported: int
    skipped: int
    total: int
    path: Path


def intel_dir(home: Path) -> Path:
    return home / "intel"


def intel_path(home: Path, kind: str) -> Path:
    return intel_dir(home) / f"{kind}.parquet"


def import_file(home: Path, source: Path) -> ImportResult:
    """Import one CSV/JSON list into the workspace; rows without their key are skipped."""
    records = _read_records(source)
    kind = _kind(records)
    rows, skipped = [], 0
    for record in records:
        row = _normalise(kind, record)
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    merged = _merge(_existing(home, kind), rows, key=next(iter(_COLUMNS[kind])))
    target = intel_path(home, kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    pq.write_table(pa.Table.from_pylist(merged, schema=_schema(kind)), tmp)
    tmp.replace(target)
    return ImportResult(kind, len(rows), skipped, len(merged), target)


def _read_records(source: Path) -> list[dict[str, Any]]:
    text = source.read_bytes().decode("utf-8-sig", "replace")
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = orjson.loads(stripped)
        return [r for r in data if isinstance(r, dict)]
    if stripped.startswith("{"):
        out = []
        for line in stripped.splitlines():
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # a bad line costs only itself
            if isinstance(value, dict):
                out.append(value)
        return out
    return list(csv.DictReader(io.StringIO(text)))


def _kind(records: list[dict[str, Any]]) -> str:
    headers = {str(k).strip().lower() for r in records[:50] for k in r}
    for kind, column in _SIGNATURE.items():
        if headers & set(_COLUMNS[kind][column]):
            return kind
    raise ValueError("not a domain-registration list: expected domain and created columns; "
                     f"found {', '.join(sorted(headers)) or 'no columns'}")


def _normalise(kind: str, record: dict[str, Any]) -> dict[str, Any] | None:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    row: dict[str, Any] = {}
    for column, aliases in _COLUMNS[kind].items():
        value = next((lowered[a] for a in aliases if lowered.get(a) not in (None, "")), None)
        row[column] = _value(column, value)
    key = next(iter(_COLUMNS[kind]))
    if not row[key]:
        return None
    row[key] = row[key].strip().lower().rstrip(".")
    if kind == "domains" and row["created"] is None:
        return None
    return row


def _value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "created":
        return _date(value)
    return str(value).strip()


def _date(value: Any) -> datetime | None:
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            d = date.fromisoformat(text[:10])
        except ValueError:
            return None
        parsed = datetime(d.year, d.month, d.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _schema(kind: str) -> pa.Schema:
    def typ(column: str) -> pa.DataType:
        if column == "created":
            return pa.timestamp("us", tz="UTC")
        return pa.string()
    return pa.schema([(c, typ(c)) for c in _COLUMNS[kind]])


def _existing(home: Path, kind: str) -> list[dict[str, Any]]:
    path = intel_path(home, kind)
    return pq.read_table(path).to_pylist() if path.exists() else []


def _merge(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    merged = {row[key]: row for row in old}
    merged.update({row[key]: row for row in new})
    return [merged[k] for k in sorted(merged)]


def available(home: Path) -> set[str]:
    """Which kinds of context this workspace holds."""
    return {kind for kind in _COLUMNS if intel_path(home, kind).exists()}


def empty_table(kind: str) -> pa.Table:
    return _schema(kind).empty_table()


KINDS = tuple(_COLUMNS)
