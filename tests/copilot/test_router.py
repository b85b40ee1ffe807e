"""The offline router sends each kind of investigation question to its tool."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socpilot.copilot.router import route, time_window
from socpilot.hunt.parse.known import Known

KNOWN = Known(hosts=frozenset({"WS-042.corp.example", "SRV-DB-01"}), users=frozenset({"CORP\\alice", "bob"}))
HOSTS = {"ws-042", "srv-db-01"}
USERS = {"alice", "bob"}


@pytest.mark.parametrize(("question", "name", "args"), [
    ("what happened on WS-042 yesterday?", "entity_profile", {"kind": "host"}),
    ("What happened on srv-db-01 today", "entity_profile", {"kind": "host"}),
    ("what did alice do between 2 and 4 pm?", "entity_profile", {"kind": "user"}),
    ("timeline of bob", "entity_profile", {"kind": "user"}),
    ("summarize incident 12", "incident_summary", {"incident": "12"}),
    ("explain incident inc-3f2a9c1b7d4e", "incident_summary", {"incident": "inc-3f2a9c1b7d4e"}),
    ("explain alert al-0123456789abcdef0123", "alert_explain", {"alert": "al-0123456789abcdef0123"}),
    ("is 203.0.113.7 involved in anything?", "indicator", {"indicator": "203.0.113.7"}),
    ("have we seen evil-domain.example?", "indicator", {"indicator": "evil-domain.example"}),
    ("what is T1003.001 and do we detect it?", "technique", {"technique": "T1003.001"}),
    ("do we detect t1059?", "technique", {"technique": "T1059"}),
    ("what should we do about incident 12?", "response", {"incident": "12"}),
    ("show me devices that talked to newly registered domains this week", "hunt", {}),
    ("which hosts ran powershell with an encoded command?", "hunt", {}),
])
def test_questions_route_to_their_tool(question: str, name: str, args: dict[str, str]) -> None:
    chosen = route(question, KNOWN, HOSTS, USERS)
    assert chosen.name == name
    assert {k: chosen.args[k] for k in args} == args


def test_a_misspelt_name_becomes_a_clarifying_question() -> None:
    chosen = route("what happened on WS-04Z?", KNOWN, HOSTS, USERS)
    assert chosen.name == "clarify" and "WS-042.corp.example" in chosen.choices


def test_time_of_day_without_a_date_means_the_latest_day_active_in_those_hours() -> None:
    asked: list[tuple[int, int]] = []

    def latest(hour_from: int, hour_to: int) -> datetime:
        asked.append((hour_from, hour_to))
        return datetime(2026, 11, 20, 15, 5, tzinfo=UTC)

    start, end = time_window("what did alice do between 2 and 4 pm?", datetime(2026, 11, 27, tzinfo=UTC), latest)
    assert asked == [(14, 16)]
    assert (start, end) == (datetime(2026, 11, 20, 14, tzinfo=UTC), datetime(2026, 11, 20, 16, tzinfo=UTC))
    quiet = time_window("what did alice do between 2 and 4 pm?", datetime(2026, 11, 27, 18, tzinfo=UTC), lambda a, b: None)
    assert quiet == (datetime(2026, 11, 27, 14, tzinfo=UTC), datetime(2026, 11, 27, 16, tzinfo=UTC))
