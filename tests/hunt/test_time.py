"""Time ranges stay relative in the HuntQuery and resolve against now when the hunt runs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from socpilot.hunt.interpret import describe_time
from socpilot.hunt.query import TimeRange

NOW = datetime(2026, 11, 27, 15, 45, tzinfo=UTC)  # a Friday


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("time", "start", "end"), [
    (TimeRange(), None, None),
    (TimeRange(kind="today"), _utc(2026, 11, 27), None),
    (TimeRange(kind="yesterday"), _utc(2026, 11, 26), _utc(2026, 11, 27)),
    (TimeRange(kind="this_week"), _utc(2026, 11, 23), None),
    (TimeRange(kind="last_week"), _utc(2026, 11, 16), _utc(2026, 11, 23)),
    (TimeRange(kind="last", amount=3, unit="hours"), _utc(2026, 11, 27, 12, 45), None),
    (TimeRange(kind="last", amount=2, unit="weeks"), _utc(2026, 11, 13, 15, 45), None),
    (TimeRange(kind="since", weekday="monday"), _utc(2026, 11, 23), None),
    (TimeRange(kind="since", weekday="friday"), _utc(2026, 11, 27), None),
    (TimeRange(kind="since", weekday="saturday"), _utc(2026, 11, 21), None),
    (TimeRange(kind="since", start=date(2026, 11, 20)), _utc(2026, 11, 20), None),
    (TimeRange(kind="between", start=date(2026, 11, 20), end=date(2026, 11, 22)),
     _utc(2026, 11, 20), _utc(2026, 11, 23)),
    (TimeRange(kind="between", start=_utc(2026, 11, 20, 14), end=_utc(2026, 11, 20, 16)),
     _utc(2026, 11, 20, 14), _utc(2026, 11, 20, 16)),
])
def test_time_range_resolves_against_now(time: TimeRange, start: datetime | None, end: datetime | None) -> None:
    assert time.resolve(NOW) == (start, end)


def test_a_date_only_string_means_the_whole_day() -> None:
    time = TimeRange.model_validate({"kind": "between", "start": "2026-11-20", "end": "2026-11-20"})
    assert time.resolve(NOW) == (_utc(2026, 11, 20), _utc(2026, 11, 21))


def test_description_says_when_everything_is_searched_and_the_hours_of_day() -> None:
    assert describe_time(TimeRange(), NOW) == "all stored data (the question names no time range)"
    assert describe_time(TimeRange(kind="yesterday", hour_from=14, hour_to=16), NOW) == \
        "2026-11-26 00:00 → 2026-11-27 00:00 UTC, between 14:00 and 16:00 UTC each day"
