"""One event by id: its normalized fields and the original record, for citations to land on."""

from __future__ import annotations

from typing import Any

import orjson
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.store.query import run_query


class EventNotFound(KeyError):
    pass


def get_event(ws: Workspace, event_id: str) -> dict[str, Any]:
    tree = exp.select("*").from_("events").where(exp.column("id").eq(exp.Placeholder())).limit(1)
    con = ws.connect()
    try:
        rows = run_query(con, tree, [event_id])
    finally:
        con.close()
    if not rows:
        raise EventNotFound(event_id)
    row = rows[0]
    fields = row.pop("fields", None)
    raw = row.pop("raw")
    try:
        original: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        original = raw  # TSV and other text records stay text
    normalized = {k: v for k, v in row.items() if v is not None}
    return {"id": event_id, "normalized": normalized, "fields": dict(fields or {}), "raw": raw,
            "original": original}
