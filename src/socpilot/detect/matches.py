"""What rules produce: matches (one event a rule selected) and hits (a group of matches an aggregation kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Match:
    rule_key: str
    event_id: str
    time: datetime
    entities: dict[str, str]  # normalized entity columns of the event (host_name, src_ip, ...)
    values: dict[str, str]  # source fields that correlation and extensions group or count by


@dataclass(frozen=True)
class Hit:
    group_key: str
    matches: tuple[Match, ...]
