"""Import inventory files (CSV, JSON array, JSON lines) and keep them in the catalog.

Files come from CMDBs, HR exports and spreadsheets, each with its own header names;
``columns.yml`` maps the common spellings. Keys are normalised the way telemetry is
(``normalise_host``/``normalise_user``) so the inventory joins to events directly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import orjson
import yaml
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.inventory.model import Asset, Identity
from socpilot.inventory.names import normalise_host, normalise_user
from socpilot.store.query import run_query, table_exists

Kind = Literal["assets", "identities"]
_COLUMNS: dict[str, dict[str, list[str]]] = yaml.safe_load(
    files("socpilot.inventory").joinpath("columns.yml").read_text())
_LIST_FIELDS = {"ips", "groups", "aliases"}
_BOOL_FIELDS = {"privileged", "mfa_enrolled"}
_TRUE = {"1", "true", "yes", "y", "enrolled", "enabled", "on"}
_FALSE = {"0", "false", "no", "n", "not enrolled", "disabled", "off", ""}

_DDL = """
CREATE TABLE IF NOT EXISTS assets (
    hostname VARCHAR PRIMARY KEY, ips VARCHAR[], mac VARCHAR, os VARCHAR, role VARCHAR, owner VARCHAR,
    criticality VARCHAR, business_service VARCHAR, origin VARCHAR);
CREATE TABLE IF NOT EXISTS identities (
    "user" VARCHAR PRIMARY KEY, email VARCHAR, display_name VARCHAR, department VARCHAR, groups VARCHAR[],
    privileged BOOLEAN, mfa_enrolled BOOLEAN, manager VARCHAR, aliases VARCHAR[], origin VARCHAR);
"""


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("["):
        return [r for r in orjson.loads(stripped) if isinstance(r, dict)]
    if stripped.startswith("{"):
        return [orjson.loads(line) for line in text.splitlines() if line.strip()]
    return list(csv.DictReader(io.StringIO(text)))


def kind_of(rows: list[dict[str, Any]]) -> Kind:
    headers = {_key(h) for row in rows[:5] for h in row}
    if headers & set(_COLUMNS["assets"]["hostname"]) - {"name"}:
        return "assets"
    if headers & set(_COLUMNS["identities"]["user"]):
        return "identities"
    raise ValueError("cannot tell assets from identities: name a host column (hostname) or a user column (user)")


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "")
    for sep in (";", "|"):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [p.strip() for p in text.split(",") if p.strip()]


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _mapped(row: Mapping[str, Any], kind: Kind) -> dict[str, Any]:
    by_key = {_key(k): v for k, v in row.items() if k is not None}
    out: dict[str, Any] = {}
    for field, names in _COLUMNS[kind].items():
        present = [by_key[n] for n in names if by_key.get(n) not in (None, "")]
        if not present:
            continue
        value = present[0]
        if field in _LIST_FIELDS:
            # lists gather every column that feeds them (an Okta login and a cloud principal are both aliases)
            out[field] = list(dict.fromkeys(v for item in present for v in _split(item)))
        elif field in _BOOL_FIELDS:
            out[field] = _bool(value)
        else:
            out[field] = str(value).strip()
    return out


def parse_assets(rows: Iterable[Mapping[str, Any]]) -> list[Asset]:
    assets = []
    for row in rows:
        fields = _mapped(row, "assets")
        host = normalise_host(fields.pop("hostname", None))
        if host is None:
            continue
        if fields.get("criticality"):
            fields["criticality"] = fields["criticality"].lower()
            if fields["criticality"] not in ("low", "medium", "high", "critical"):
                fields["criticality"] = None
        assets.append(Asset(hostname=host, **fields))
    return assets


def parse_identities(rows: Iterable[Mapping[str, Any]]) -> list[Identity]:
    identities = []
    for row in rows:
        fields = _mapped(row, "identities")
        user = normalise_user(fields.pop("user", None) or fields.get("email"))
        if user is None:
            continue
        identities.append(Identity(user=user, **fields))
    return identities


def save(ws: Workspace, assets: Sequence[Asset] = (), identities: Sequence[Identity] = ()) -> None:
    with ws.store.catalog() as con:
        con.execute(_DDL)
        if assets:
            con.executemany(
                "INSERT OR REPLACE INTO assets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(a.hostname, a.ips, a.mac, a.os, a.role, a.owner, a.criticality, a.business_service, a.origin)
                 for a in assets])
        if identities:
            con.executemany(
                "INSERT OR REPLACE INTO identities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(i.user, i.email, i.display_name, i.department, i.groups, i.privileged, i.mfa_enrolled,
                  i.manager, i.aliases, i.origin) for i in identities])


def import_inventory(ws: Workspace, path: Path, kind: Kind | None = None) -> dict[str, Any]:
    """Import one file; returns what was imported and which rows were skipped."""
    rows = _rows(path)
    chosen = kind or kind_of(rows)
    if chosen == "assets":
        assets = parse_assets(rows)
        save(ws, assets=assets)
        imported = len(assets)
    else:
        identities = parse_identities(rows)
        save(ws, identities=identities)
        imported = len(identities)
    return {"file": str(path), "kind": chosen, "rows": len(rows), "imported": imported,
            "skipped": len(rows) - imported}


def _table_rows(ws: Workspace, table: str) -> list[dict[str, Any]]:
    """Rows of an inventory table; read-only, so it works beside an open query session."""
    with ws.store.catalog(read_only=True) as con:
        return run_query(con, exp.select("*").from_(table)) if table_exists(con, table) else []


def load_assets(ws: Workspace) -> list[Asset]:
    return [Asset(**{k: v for k, v in r.items() if v is not None}) for r in _table_rows(ws, "assets")]


def load_identities(ws: Workspace) -> list[Identity]:
    return [Identity(**{k: v for k, v in r.items() if v is not None}) for r in _table_rows(ws, "identities")]
