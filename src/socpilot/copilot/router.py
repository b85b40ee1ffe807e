"""The offline router: which tool answers an investigation question, with which arguments.

Routes are data (``routes.yml``). A question no route takes is a hunt ("which hosts
did X"), answered by the hunting parser. Names are checked against what the store
and inventory know; an unknown or ambiguous name becomes a clarifying question.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from socpilot.hunt.parse.known import Known
from socpilot.hunt.parse.text import Text
from socpilot.hunt.parse.timeexpr import parse_time


@dataclass
class Route:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)  # set when a name needs clarifying


@lru_cache(maxsize=1)
def _routes() -> list[tuple[str, list[re.Pattern[str]]]]:
    table = yaml.safe_load(files("socpilot.copilot").joinpath("routes.yml").read_text())
    return [(r["route"], [re.compile(p, re.IGNORECASE) for p in r["patterns"]]) for r in table]


def time_window(question: str, now: datetime, latest_in_hours: Callable[[int, int], datetime | None]
                ) -> tuple[datetime | None, datetime | None]:
    """[start, end) the question names. A bare time of day ("between 2 and 4 pm") means the most recent
    day with activity in those hours (``latest_in_hours(hour_from, hour_to)`` finds it), else today."""
    span, _ = parse_time(Text(question))
    start, end = span.resolve(now)
    if span.hour_from is not None and span.hour_to is not None:
        anchor = start or latest_in_hours(span.hour_from, span.hour_to) or now
        day = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
        return day + timedelta(hours=span.hour_from), day + timedelta(hours=span.hour_to)
    return start, end


def _squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


def _close(name: str, pool: frozenset[str], limit: int = 4) -> list[str]:
    """Stored names that look like ``name``, compared on short names (``WS-042`` for ``WS-042.corp``)."""
    short = {_squash(n.split("\\")[-1].split("@")[0].split(".")[0]): n for n in pool}
    return [short[h] for h in difflib.get_close_matches(_squash(name), list(short), n=limit, cutoff=0.75)]


def _subject(name: str, known: Known, hosts: set[str], users: set[str]) -> Route:
    name = name.strip(" ?.,!'\"")
    lowered = name.lower()
    if lowered in hosts or known.exact("host", name):
        return Route("entity_profile", {"kind": "host", "name": known.exact("host", name) or name})
    if lowered in users or known.exact("user", name):
        return Route("entity_profile", {"kind": "user", "name": known.exact("user", name) or name})
    close = _close(name, known.hosts) + _close(name, known.users)
    if close:
        return Route("clarify", {"name": name}, choices=close)
    return Route("entity_profile", {"kind": "user" if "@" in name or "\\" in name else "host", "name": name})


def route(question: str, known: Known, hosts: set[str], users: set[str]) -> Route:
    """``hosts``/``users``: lower-case short names from the inventory, to tell a host from a user."""
    for name, patterns in _routes():
        for pattern in patterns:
            m = pattern.search(question)
            if m is None:
                continue
            groups = {k: v for k, v in m.groupdict().items() if v}
            if name == "entity_profile":
                if "host" in groups:
                    chosen = _subject(groups["host"], known, hosts, users)
                    if chosen.name == "entity_profile":
                        chosen.args["kind"] = "host"
                    return chosen
                return _subject(groups["subject"], known, hosts, users)
            if "incident_id" in groups:
                groups["incident"] = groups.pop("incident_id")
            if name == "technique":
                groups["technique"] = groups["technique"].upper()
            return Route(name, groups)
    return Route("hunt", {})
