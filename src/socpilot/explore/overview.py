"""What is happening: events per source over time, who reports, who went quiet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from socpilot.api import Workspace
from socpilot.store.query import parse, run_query

# Constant query texts parsed into trees once; nothing user-supplied enters them.
# Parts are cut by source and day, so the catalog already knows the per-day counts: no scan.
_PER_SOURCE_DAY = parse(
    "SELECT source, day, sum(\"rows\") AS events FROM parts GROUP BY 1, 2 ORDER BY 2, 1"
)
_REPORTERS = parse(
    "SELECT host_name AS host, source, count(*) AS events, min(time) AS first_seen, max(time) AS last_seen "
    "FROM events WHERE host_name IS NOT NULL GROUP BY host_name, source ORDER BY host_name, source"
)

# A host whose last event is this much older than the newest event in the store has gone quiet.
QUIET_AFTER = timedelta(hours=24)


def overview(ws: Workspace) -> dict[str, Any]:
    con = ws.connect()
    try:
        per_day = run_query(con, _PER_SOURCE_DAY)
        reporters = run_query(con, _REPORTERS)
    finally:
        con.close()
    newest = max((r["last_seen"] for r in reporters), default=None)
    hosts: dict[str, dict[str, Any]] = {}
    for r in reporters:
        host = hosts.setdefault(r["host"], {"host": r["host"], "sources": {}, "last_seen": r["last_seen"]})
        host["sources"][r["source"]] = r["events"]
        host["last_seen"] = max(host["last_seen"], r["last_seen"])
    for host in hosts.values():
        host["quiet"] = bool(newest and newest - host["last_seen"] > QUIET_AFTER)
    status = ws.status()
    return {
        "status": status,
        "events_per_day": [{"source": r["source"], "day": str(r["day"]), "events": r["events"]} for r in per_day],
        "hosts": sorted(hosts.values(), key=lambda h: (not h["quiet"], h["host"])),
        "newest_event": newest,
    }
