"""HuntQuery: the typed form of a hunting question, the only thing a parser or an LLM may produce.

Everything downstream (the SQL compiler, the KQL/SPL/ES|QL renderers, the
plain-English interpretation) reads this model and nothing else, so a question
is understood exactly once and every view of it agrees.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from socpilot.model.event import EVENT_COLUMNS

# What a hunt can return: raw events, or one row per distinct entity with counts.
Returns = Literal["events", "hosts", "users", "ips", "src_ips", "domains", "processes",
                  "countries", "ports", "actions", "resources", "user_agents", "parents", "sources", "count"]
Operator = Literal["equals", "in", "contains", "starts", "ends", "regex", "cidr", "subdomain",
                   "gt", "ge", "lt", "le", "exists"]
Aggregate = Literal["count", "distinct_count", "sum_bytes"]
Order = Literal["count_desc", "count_asc", "time_desc", "time_asc", "bytes_desc", "first_seen_desc"]
Scope = Literal["host", "user"]
TimeKind = Literal["all", "today", "yesterday", "this_week", "last_week", "last", "since", "between"]
Unit = Literal["minutes", "hours", "days", "weeks"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# Fields that stand for several columns: a filter on them matches any of the columns.
VIRTUAL_FIELDS = ("domain", "ip", "hash", "user_any", "process_any", "host")

_UNIT_DELTA = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1),
               "days": timedelta(days=1), "weeks": timedelta(weeks=1)}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filter(_Strict):
    """One condition on an event field: a normalized column, a virtual field, or ``fields.<Name>``."""

    field: str
    op: Operator = "equals"
    value: str | int | bool | list[str] | list[int] | None = None
    negate: bool = False

    @model_validator(mode="after")
    def _known_field(self) -> Filter:
        name = self.field
        if not (name in EVENT_COLUMNS or name in VIRTUAL_FIELDS or name.startswith("fields.")):
            raise ValueError(f"unknown field {name!r}")
        if name == "fields" or (name == "raw" and self.op != "contains"):
            raise ValueError(f"{name!r} is not filterable this way")
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("operator 'in' needs a list value")
        if self.op != "exists" and self.value is None:
            raise ValueError(f"operator {self.op!r} needs a value")
        return self


class TimeRange(_Strict):
    """When: relative to ``now`` (resolved at compile time) or between absolute instants.

    ``hour_from``/``hour_to`` narrow to a time of day (UTC), e.g. "between 2 and 4 pm".
    """

    kind: TimeKind = "all"
    amount: int | None = None
    unit: Unit | None = None
    weekday: Weekday | None = None
    start: datetime | date | None = None
    end: datetime | date | None = None
    hour_from: int | None = Field(default=None, ge=0, le=24)
    hour_to: int | None = Field(default=None, ge=0, le=24)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date_stays_date(cls, value: object) -> object:
        # "2026-11-20" names a whole day; read as a datetime it would mean its first instant
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
        return value

    def resolve(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The [start, end) instants this range selects, ``None`` for an open side."""
        now = now.astimezone(UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        week_start = midnight - timedelta(days=midnight.weekday())
        if self.kind == "today":
            return midnight, None
        if self.kind == "yesterday":
            return midnight - timedelta(days=1), midnight
        if self.kind == "this_week":
            return week_start, None
        if self.kind == "last_week":
            return week_start - timedelta(weeks=1), week_start
        if self.kind == "last":
            return now - (self.amount or 1) * _UNIT_DELTA[self.unit or "days"], None
        if self.kind == "since":
            if self.weekday is not None:
                back = (midnight.weekday() - _WEEKDAYS.index(self.weekday)) % 7
                return midnight - timedelta(days=back), None
            return _instant(self.start), None
        if self.kind == "between":
            end = self.end
            if isinstance(end, date) and not isinstance(end, datetime):
                end = end + timedelta(days=1)  # a date as end means the whole of that day
            return _instant(self.start), _instant(end)
        return None, None


def _instant(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Enrichment(_Strict):
    """A predicate that needs context beyond the event itself.

    - ``registered``: the domain was registered within ``days`` (domain-registration cache);
    - ``first_seen``: the entity first appeared in this environment within ``days``;
    - ``rare``: the entity was seen on at most ``max_count`` distinct hosts/users in all history;
    - ``asset``: the host's inventory ``attribute`` (criticality, owner, role) equals ``value``;
    - ``identity``: the user's ``attribute`` (privileged, group, mfa_enrolled, department) equals ``value``;
    - ``outside_hours``: the event happened outside business hours (weekdays 08:00-18:00 UTC).
    """

    kind: Literal["registered", "first_seen", "rare", "asset", "identity", "outside_hours"]
    entity: Literal["domain", "process", "ip", "country", "host", "user", "port", "action", "user_agent"] | None = None
    days: int | None = None
    scope: Scope | None = None
    max_count: int | None = None
    attribute: str | None = None
    value: str | bool | None = None


class Spread(_Strict):
    """Keep only results seen with at least ``at_least`` distinct values of ``entity``
    ("users who signed in from more than one country", "hosts that reached 20+ domains")."""

    entity: Literal["domain", "process", "ip", "country", "host", "user", "port", "action", "user_agent"]
    at_least: int = Field(ge=2)


class Step(_Strict):
    """One step of a sequence: which events, narrowed by filters."""

    classes: list[str] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)


class Sequence(_Strict):
    """Steps that happen in order on the same host (or user), each within ``within_minutes`` of the last."""

    steps: list[Step] = Field(min_length=2)
    within_minutes: int = 10
    by: Scope = "host"


class HuntQuery(_Strict):
    """What to look for, over which events, when, and what to give back."""

    returns: Returns = "events"
    classes: list[str] = Field(default_factory=list)  # OCSF class labels; empty = every class
    sources: list[str] = Field(default_factory=list)  # reader families; empty = every source
    filters: list[Filter] = Field(default_factory=list)
    enrich: list[Enrichment] = Field(default_factory=list)
    time: TimeRange = Field(default_factory=TimeRange)
    aggregate: Aggregate | None = None
    spread: Spread | None = None  # needs a returned entity (hosts, users, ...)
    sequence: Sequence | None = None
    order: Order | None = None
    limit: int = Field(default=100, ge=1, le=100_000)
