"""The overview's "who reports": summed from per-part host summaries, equal to scanning every event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from socpilot.api import Workspace
from socpilot.explore.overview import _REPORTERS, overview
from socpilot.model.event import event_id
from socpilot.store.query import run_query
from socpilot.store.writer import PartWriter

DAY = datetime(2026, 11, 23, 8, tzinfo=UTC)


def _commit(ws: Workspace, key: str, rows: list[dict]) -> None:
    writer = PartWriter(ws.store.staging_for(key), key)
    for i, row in enumerate(rows):
        raw = f"{key}-{i}"
        writer.add({"id": event_id(row["source"], raw), "raw": raw, **row})
    ws.store.commit(key, f"{key}.jsonl", rows[0]["source"], len(rows), writer.close(), [])


def _scanned(ws: Workspace) -> list[dict]:
    con = ws.connect()
    try:
        return sorted(run_query(con, _REPORTERS), key=lambda r: (r["host"], r["source"]))
    finally:
        con.close()


def _reported(ws: Workspace) -> list[dict]:
    return [{"host": h["host"], "sources": h["sources"], "last_seen": h["last_seen"]}
            for h in sorted(overview(ws)["hosts"], key=lambda h: h["host"])]


def test_hosts_sources_counts_and_last_seen_come_from_the_part_summaries(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "home")
    _commit(ws, "win", [{"source": "windows", "time": DAY + timedelta(hours=h), "host_name": host}
                        for h, host in enumerate(["WS-01", "WS-01", "WS-02", None])])
    _commit(ws, "zeek", [{"source": "zeek", "time": DAY + timedelta(days=1, hours=h + 3), "host_name": "WS-01"}
                         for h in range(3)])
    hosts = {h["host"]: h for h in overview(ws)["hosts"]}
    assert set(hosts) == {"WS-01", "WS-02"}  # events without a host report for nobody
    assert hosts["WS-01"]["sources"] == {"windows": 2, "zeek": 3}
    assert hosts["WS-01"]["last_seen"] == DAY + timedelta(days=1, hours=5)
    assert hosts["WS-02"]["quiet"] is True  # its last event is over 24 hours older than the newest
    con = ws.store.connect()
    try:
        assert con.execute("SELECT count(*) FROM part_hosts").fetchone() == (4,)  # WS-01, WS-02, no host; WS-01
    finally:
        con.close()


def test_parts_committed_before_the_summaries_existed_are_scanned(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "home")
    _commit(ws, "old", [{"source": "windows", "time": DAY, "host_name": "OLD-01"}])
    _commit(ws, "new", [{"source": "windows", "time": DAY + timedelta(hours=1), "host_name": "OLD-01"},
                        {"source": "windows", "time": DAY + timedelta(hours=2), "host_name": "NEW-01"}])
    with ws.store.catalog() as con:  # as a store written by an older socpilot: no summary for the first part
        con.execute("DELETE FROM part_hosts WHERE path IN (SELECT path FROM parts WHERE input_key = 'old')")
    hosts = {h["host"]: h["sources"] for h in overview(ws)["hosts"]}
    assert hosts == {"OLD-01": {"windows": 2}, "NEW-01": {"windows": 1}}
    with ws.store.catalog() as con:
        con.execute("DROP TABLE part_hosts")
    assert {h["host"]: h["sources"] for h in overview(ws)["hosts"]} == hosts


def test_summaries_equal_a_full_scan_on_real_evtx_and_zeek(data: Path, tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "home")
    samples = sorted((data / "evtx" / "evtx-attack-samples").rglob("*.evtx"))[:40]
    ws.ingest([*samples, data / "zeek" / "rita-testdata"], workers=1)
    scanned = _scanned(ws)
    assert len(scanned) > 5
    expected: dict[str, dict] = {}
    for r in scanned:
        host = expected.setdefault(r["host"], {"host": r["host"], "sources": {}, "last_seen": r["last_seen"]})
        host["sources"][r["source"]] = r["events"]
        host["last_seen"] = max(host["last_seen"], r["last_seen"])
    assert _reported(ws) == [expected[h] for h in sorted(expected)]
