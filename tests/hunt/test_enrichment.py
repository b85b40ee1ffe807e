"""Enrichment predicates on small synthetic stores whose answers are known by construction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socpilot.hunt.ask import ask, run, stored_names
from socpilot.hunt.query import Enrichment, HuntQuery
from socpilot.hunt.session import open_session

SATURDAY = datetime(2026, 11, 28, 10, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 10, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _process(host: str, image: str, when: datetime) -> dict:
    return {"time": when, "class_uid": 1007, "class_name": "process", "host_name": host, "user_name": "alice",
            "process_name": image}


def test_outside_business_hours_is_weekends_and_evenings(workspace, write_events) -> None:
    write_events(workspace, "hours", [_process("WS-01", "a.exe", SATURDAY),
                                      _process("WS-01", "b.exe", MONDAY),
                                      _process("WS-01", "c.exe", MONDAY + timedelta(hours=10)),
                                      _process("WS-01", "d.exe", MONDAY - timedelta(hours=3))])
    answer = ask(workspace, "processes run outside business hours", now=NOW)
    assert sorted(r["process"] for r in answer.rows) == ["a.exe", "c.exe", "d.exe"]


def test_rare_processes_are_those_on_few_hosts(workspace, write_events) -> None:
    rows = [_process(f"WS-{i:02d}", "common.exe", MONDAY) for i in range(5)]
    rows += [_process("WS-01", "odd.exe", MONDAY), _process("WS-02", "pair.exe", MONDAY),
             _process("WS-03", "pair.exe", MONDAY)]
    write_events(workspace, "rare", rows)
    one = ask(workspace, "processes seen on only one host", now=NOW)
    assert [r["process"] for r in one.rows] == ["odd.exe"]
    two = ask(workspace, "rare processes", now=NOW)
    assert sorted(r["process"] for r in two.rows) == ["odd.exe", "pair.exe"]


def test_first_seen_counts_from_the_first_sighting_in_all_history(workspace, write_events) -> None:
    write_events(workspace, "first", [_process("WS-01", "old.exe", MONDAY - timedelta(days=20)),
                                      _process("WS-01", "old.exe", MONDAY),
                                      _process("WS-01", "new.exe", MONDAY)])
    con = open_session(workspace)
    query = HuntQuery(returns="processes", classes=["process"],
                      enrich=[Enrichment(kind="first_seen", entity="process", days=7)])
    answer = run(con, "new processes", query, NOW)
    con.close()
    assert [r["process"] for r in answer.rows] == ["new.exe"]
    assert "first seen in your environment" in answer.interpretation


def test_store_names_are_kept_until_new_data_arrives(workspace, write_events) -> None:
    write_events(workspace, "one", [_process("WS-01", "a.exe", MONDAY)])
    con = open_session(workspace)
    assert stored_names(workspace, con).hosts == {"WS-01"}
    con.close()
    write_events(workspace, "two", [_process("WS-02", "a.exe", MONDAY)])
    con = open_session(workspace)
    assert stored_names(workspace, con).hosts == {"WS-01", "WS-02"}
    con.close()
