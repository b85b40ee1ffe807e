"""Time expressions: today, yesterday, this/last week, last N hours, since Monday,
between two dates, on a date, and times of day ("between 2 and 4 pm").

The result stays relative ("last 3 hours"), resolved against now only when the
query runs, so the same question means the same thing whenever it is asked.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from socpilot.hunt.parse.text import Text
from socpilot.hunt.query import TimeRange

_UNITS = {"min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes", "m": "minutes",
          "hour": "hours", "hours": "hours", "hr": "hours", "hrs": "hours", "h": "hours",
          "day": "days", "days": "days", "d": "days", "week": "weeks", "weeks": "weeks", "w": "weeks"}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "a": 1, "an": 1}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}

_NUM = r"(\d+|" + "|".join(_NUMBERS) + r")"
_UNIT = r"(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|w)"
_DATE = r"(\d{4}-\d{2}-\d{2}(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?" \
        r"|(?:\d{1,2} )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?: \d{1,2}(?:st|nd|rd|th)?)?,? \d{4})"
_CLOCK = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("between_dates", re.compile(rf"\b(?:between|from)\s+{_DATE}\s+(?:and|to|until|-)\s+{_DATE}")),
    ("since_date", re.compile(rf"\b(?:since|after)\s+{_DATE}")),
    ("on_date", re.compile(rf"\b(?:on\s+)?{_DATE}")),
    ("since_weekday", re.compile(r"\bsince\s+(?:last\s+)?(" + "|".join(_WEEKDAYS) + r")\b")),
    ("last_n", re.compile(rf"\b(?:in\s+the\s+|over\s+the\s+|during\s+the\s+|for\s+the\s+)?(?:last|past|previous)\s+{_NUM}\s*{_UNIT}\b")),
    ("last_unit", re.compile(r"\b(?:in\s+the\s+|over\s+the\s+|during\s+the\s+)?(?:last|past|previous)\s+(minute|hour|day|24h)\b")),
    ("n_ago", re.compile(rf"\b(?:in\s+the\s+)?{_NUM}\s*{_UNIT}\s+ago\b")),
    ("past_week", re.compile(r"\b(?:in\s+the\s+|over\s+the\s+|during\s+the\s+)?(?:past|previous)\s+week\b")),
    ("this_week", re.compile(r"\b(?:this|current)\s+week\b")),
    ("last_week", re.compile(r"\blast\s+week\b")),
    ("today", re.compile(r"\b(?:today|so\s+far\s+today|this\s+morning|this\s+afternoon)\b")),
    ("yesterday", re.compile(r"\byesterday\b")),
]
_AFTER_CLOCK = re.compile(r"\b(after|since|before|until)\s+" + _CLOCK.replace("(am|pm|a\\.m\\.|p\\.m\\.)?", "(am|pm|a\\.m\\.|p\\.m\\.)")
                          + r"(?=\s|$|[?.!,])")
_HOURS = re.compile(rf"\b(?:between|from)\s+{_CLOCK}\s+(?:and|to|until|-)\s+{_CLOCK}(?=\s|$|[?.!,])")


def parse_time(text: Text) -> tuple[TimeRange, list[str]]:
    """The time range a question names (``kind='all'`` when none) and notes about it."""
    fields: dict[str, Any] = {}
    notes: list[str] = []
    for kind, pattern in _PATTERNS:
        m = next(text.matches(pattern), None)
        if m is None:
            continue
        found = _range(kind, m)
        if found is None:
            notes.append(f"could not read the date in {m.group(0)!r}")
            continue
        text.take(m.start(), m.end())
        fields.update(found)
        break
    if (after := next(text.matches(_AFTER_CLOCK), None)) is not None:
        hour = _hour(after.group(2), after.group(4))
        if hour is not None:
            text.take(after.start(), after.end())
            fields["hour_from" if after.group(1) in ("after", "since", "from") else "hour_to"] = hour
    hours = next(text.matches(_HOURS), None)
    if hours:
        start, end = _hour(hours.group(1), hours.group(3)), _hour(hours.group(4), hours.group(6))
        if start is not None and end is not None:
            if hours.group(3) is None and hours.group(6) in ("pm", "p.m.") and start < 12:
                start += 12  # "between 2 and 4 pm": the meridiem applies to both
            if end > start:
                text.take(hours.start(), hours.end())
                fields.update(hour_from=start, hour_to=end)
    return TimeRange(**fields), notes


def _range(kind: str, m: re.Match[str]) -> dict[str, Any] | None:
    if kind == "between_dates":
        start, end = _date(m.group(1)), _date(m.group(2))
        return None if start is None or end is None else {"kind": "between", "start": start, "end": end}
    if kind == "since_date":
        start = _date(m.group(1))
        return None if start is None else {"kind": "since", "start": start}
    if kind == "on_date":
        day = _date(m.group(1))
        return None if day is None else {"kind": "between", "start": day, "end": day}
    if kind == "since_weekday":
        return {"kind": "since", "weekday": m.group(1)}
    if kind == "last_n" or kind == "n_ago":
        amount = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
        return {"kind": "last", "amount": amount, "unit": _UNITS[m.group(2)]}
    if kind == "last_unit":
        unit = m.group(1)
        if unit == "24h":
            return {"kind": "last", "amount": 24, "unit": "hours"}
        return {"kind": "last", "amount": 1, "unit": _UNITS[unit]}
    if kind == "past_week":
        return {"kind": "last", "amount": 7, "unit": "days"}
    return {"kind": kind}


def _date(text: str) -> date | datetime | None:
    text = text.strip().rstrip(",")
    if text[:4].isdigit():
        try:
            if len(text) > 10:
                return datetime.fromisoformat(text.replace(" ", "T"))
            return date.fromisoformat(text)
        except ValueError:
            return None
    words = re.findall(r"[a-z]+|\d+", text)
    month = next((_MONTHS[w[:3]] for w in words if w[:3] in _MONTHS), None)
    numbers = [int(w) for w in words if w.isdigit()]
    if month is None or len(numbers) != 2:
        return None
    day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _hour(value: str, meridiem: str | None) -> int | None:
    hour = int(value)
    if meridiem in ("pm", "p.m.") and hour < 12:
        hour += 12
    if meridiem in ("am", "a.m.") and hour == 12:
        hour = 0
    return hour if 0 <= hour <= 24 else None
