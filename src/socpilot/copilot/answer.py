"""An investigation answer: short sentences, each citing the events, alerts or incidents it rests on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Cited(BaseModel):
    text: str
    cites: list[str] = Field(default_factory=list)  # event ids, alert ids (al-...), incident ids
    kind: str = "known"  # known, inferred, missing (a gap in the data)


class Clarification(BaseModel):
    question: str
    choices: list[str]


class Answer(BaseModel):
    question: str
    route: str  # entity_profile, incident_summary, alert_explain, indicator, technique, response, hunt
    title: str
    sentences: list[Cited] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    clarification: Clarification | None = None
    next_questions: list[str] = Field(default_factory=list)

    def say(self, text: str, cites: list[str] | None = None, kind: str = "known") -> None:
        self.sentences.append(Cited(text=text, cites=list(cites or []), kind=kind))

    def cited_ids(self) -> set[str]:
        return {c for s in self.sentences for c in s.cites}

    def text(self) -> str:
        lines = [self.title]
        for s in self.sentences:
            cites = f" [{', '.join(s.cites[:5])}{', …' if len(s.cites) > 5 else ''}]" if s.cites else ""
            lines.append(f"- {s.text}{cites}")
        if self.clarification:
            lines.append(f"? {self.clarification.question} " + " | ".join(self.clarification.choices))
        return "\n".join(lines)
