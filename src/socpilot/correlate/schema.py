"""The narrative document: what ``socpilot show`` prints, validated before it is shown.

Every sentence names the evidence it rests on (at least one event id); every id it cites
must be among the document's evidence ids, and every alert id among its alerts. A
document that breaks this is not shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socpilot.model.alert import Level

SentenceKind = Literal["known", "inferred", "missing"]


class Sentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    kind: SentenceKind  # known: the evidence says so; inferred: our reading of it; missing: a gap
    stage: str | None = None  # ATT&CK tactic the sentence is about
    time: datetime | None = None
    alert_ids: list[str] = Field(default_factory=list)
    event_ids: list[str] = Field(min_length=1)
    more_events: int = 0  # further evidence events behind the sentence, not listed


class TimelineEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: datetime  # as the source recorded it
    aligned_time: datetime  # on the incident's (host) clock, after skew correction
    source: str
    kind: str  # "alert" or the event's class
    summary: str
    event_id: str | None = None
    alert_id: str | None = None

    @model_validator(mode="after")
    def _cites_something(self) -> TimelineEntry:
        if not (self.event_id or self.alert_id):
            raise ValueError("a timeline entry must name its event or alert")
        return self


class AlertSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    rule_id: str
    rule_title: str
    rule_level: Level
    rule_author: str | None = None  # attribution (the DRL requires it for SigmaHQ rules)
    rule_source: str
    count: int
    first_time: datetime
    last_time: datetime
    tactics: list[str]
    techniques: list[str]
    event_ids: list[str] = Field(min_length=1)


class EvidenceCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alert_events: int
    host_events: dict[str, int]
    network_records: dict[str, int]  # per host
    identity_records: dict[str, int]  # per user


class NarrativeDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_id: str
    title: str
    status: str
    severity: Level
    risk: float
    risk_parts: dict[str, float]
    first_seen: datetime
    last_seen: datetime
    tactics: list[str]
    techniques: list[str]
    hosts: list[str]
    users: list[str]
    host_ips: dict[str, list[str]]
    alerts: list[AlertSummary] = Field(min_length=1)
    sentences: list[Sentence] = Field(min_length=1)
    timeline: list[TimelineEntry]
    counts: EvidenceCounts
    evidence_ids: list[str]  # every event id this document cites or lists

    @model_validator(mode="after")
    def _citations_resolve(self) -> NarrativeDocument:
        known_events = set(self.evidence_ids)
        known_alerts = {a.id for a in self.alerts}
        for sentence in self.sentences:
            if unknown := set(sentence.event_ids) - known_events:
                raise ValueError(f"sentence cites unknown events {sorted(unknown)[:3]}: {sentence.text[:80]!r}")
            if unknown := set(sentence.alert_ids) - known_alerts:
                raise ValueError(f"sentence cites unknown alerts {sorted(unknown)[:3]}: {sentence.text[:80]!r}")
        for entry in self.timeline:
            if entry.event_id and entry.event_id not in known_events:
                raise ValueError(f"timeline entry cites unknown event {entry.event_id}")
        return self
