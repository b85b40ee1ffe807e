"""Hunting sessions: locked down each on its own, so two at once (a console serving two hunts) both work."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest


def test_two_hunting_sessions_open_at_once_and_leave_other_connections_unlocked(workspace, write_events) -> None:
    from socpilot.hunt.session import open_session

    write_events(workspace, "one", [{"time": datetime(2026, 11, 23, 9, tzinfo=UTC), "class_uid": 1007,
                                     "host_name": "WS-01", "process_name": "a.exe"}])
    first = open_session(workspace)
    second = open_session(workspace)  # used to fail: the first had locked the shared instance
    assert first.execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert second.execute("SELECT host_name FROM events").fetchone() == ("WS-01",)
    with pytest.raises(duckdb.Error, match="locked"):
        second.execute("SET enable_external_access = true")
    plain = workspace.connect()
    assert plain.execute("SELECT current_setting('enable_external_access')").fetchone() == (True,)
    for con in (first, second, plain):
        con.close()
