"""What is happening: events per source over time, who reports, who went quiet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from socpilot.api import Workspace
from socpilot.store.query import parse, run_query, table_exists

# Constant query texts parsed into trees once; nothing user-supplied enters them.
# Parts are cut by source and day, so the catalog already knows the per-day counts: no scan.
_PER_SOURCE_DAY = parse(
    "SELECT source, day, sum(\"rows\") AS events FROM parts GROUP BY 1, 2 ORDER BY 2, 1"
)
# Who reports: summed from each part's host summary, written when the part was committed;
# only parts without one (stores older than the summaries) are scanned.
_SUMMARISED = parse(
    "SELECT h.host_name AS host, p.source, sum(h.events) AS events, min(h.first_seen) AS first_seen, "
    "max(h.last_seen) AS last_seen FROM part_hosts AS h JOIN parts AS p ON h.path = p.path "
    "WHERE h.host_name IS NOT NULL GROUP BY h.host_name, p.source"
)
_UNSUMMARISED = parse("SELECT path FROM parts WHERE path NOT IN (SELECT path FROM part_hosts) ORDER BY path")
_REPORTERS = parse(
    "SELECT host_name AS host, source, count(*) AS events, min(time) AS first_seen, max(time) AS last_seen "
    "FROM events WHERE host_name IS NOT NULL GROUP BY host_name, source"
)

# A host whose last event is this much older than the newest event in the store has gone quiet.
QUIET_AFTER = timedelta(hours=24)


def overview(ws: Workspace) -> dict[str, Any]:
    con = ws.connect()
    try:
        per_day = run_query(con, _PER_SOURCE_DAY)
        reporters = _reporters(ws, con)
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


def _reporters(ws: Workspace, con: Any) -> list[dict[str, Any]]:
    """Events, first and last time per (host, source), from the part summaries plus a scan of
    the parts that have none, merged and ordered by host and source."""
    if table_exists(con, "part_hosts"):
        rows = run_query(con, _SUMMARISED)
        missing = [r["path"] for r in run_query(con, _UNSUMMARISED)]
        if missing:
            scan = ws.store.connect(parts=[str(ws.store.events_dir / path) for path in missing])
            try:
                rows += run_query(scan, _REPORTERS)
            finally:
                scan.close()
    else:
        rows = run_query(con, _REPORTERS)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["host"], r["source"])
        seen = merged.get(key)
        if seen is None:
            merged[key] = dict(r)
        else:
            seen["events"] += r["events"]
            seen["first_seen"] = min(seen["first_seen"], r["first_seen"])
            seen["last_seen"] = max(seen["last_seen"], r["last_seen"])
    return [merged[key] for key in sorted(merged)]
