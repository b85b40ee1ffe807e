"""Verdicts and notes, append-only: a changed mind is a new verdict, never an edit of the old one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from socpilot.api import Workspace
from socpilot.store.query import parse, run_query, table_exists

VerdictKind = Literal["true_positive", "benign", "false_positive"]
TargetKind = Literal["alert", "incident"]

_DDL = """
CREATE TABLE IF NOT EXISTS verdicts (
    target_kind VARCHAR, target_id VARCHAR, verdict VARCHAR, reason VARCHAR, who VARCHAR, decided_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS notes (incident_id VARCHAR, text VARCHAR, who VARCHAR, written_at TIMESTAMPTZ);
"""
_VERDICTS_OF = parse("SELECT * FROM verdicts WHERE target_kind = ? AND target_id = ? ORDER BY decided_at")
_ALL_VERDICTS = parse("SELECT * FROM verdicts ORDER BY decided_at")
_NOTES_OF = parse("SELECT * FROM notes WHERE incident_id = ? ORDER BY written_at")
_ADD_VERDICT = parse("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?)")
_ADD_NOTE = parse("INSERT INTO notes VALUES (?, ?, ?, ?)")


class Verdict(BaseModel):
    target_kind: TargetKind
    target_id: str
    verdict: VerdictKind
    reason: str = Field(min_length=1)
    who: str = Field(min_length=1)
    at: datetime


class Note(BaseModel):
    incident_id: str
    text: str = Field(min_length=1, max_length=20_000)
    who: str = Field(min_length=1)
    at: datetime


def record_verdict(ws: Workspace, kind: TargetKind, target_id: str, verdict: VerdictKind, who: str,
                   reason: str) -> Verdict:
    entry = Verdict(target_kind=kind, target_id=target_id, verdict=verdict, reason=reason.strip(), who=who.strip(),
                    at=datetime.now(UTC))
    with ws.store.catalog() as con:
        con.execute(_DDL)
        run_query(con, _ADD_VERDICT, [entry.target_kind, entry.target_id, entry.verdict, entry.reason, entry.who,
                                      entry.at])
    return entry


def add_note(ws: Workspace, incident_id: str, text: str, who: str) -> Note:
    note = Note(incident_id=incident_id, text=text.strip(), who=who.strip(), at=datetime.now(UTC))
    with ws.store.catalog() as con:
        con.execute(_DDL)
        run_query(con, _ADD_NOTE, [note.incident_id, note.text, note.who, note.at])
    return note


def list_verdicts(ws: Workspace, kind: TargetKind | None = None, target_id: str | None = None) -> list[Verdict]:
    with ws.store.catalog(read_only=True) as con:
        if not table_exists(con, "verdicts"):
            return []
        rows = run_query(con, _VERDICTS_OF, [kind, target_id]) if kind and target_id else run_query(con, _ALL_VERDICTS)
    return [Verdict(at=r.pop("decided_at"), **r) for r in rows]


def list_notes(ws: Workspace, incident_id: str) -> list[Note]:
    with ws.store.catalog(read_only=True) as con:
        if not table_exists(con, "notes"):
            return []
        return [Note(at=r.pop("written_at"), **r) for r in run_query(con, _NOTES_OF, [incident_id])]
