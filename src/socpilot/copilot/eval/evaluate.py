"""``socpilot eval ask``: does each question reach the right tool, and does the answer name what it should?

Question files are JSON lines: ``question``, ``route`` (expected), ``entities`` (strings the
answer must contain). ``{name}`` placeholders are filled from facts: the demo manifest's,
plus ``top_incident`` and ``top_alert`` read from the workspace.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson

from socpilot.api import Workspace
from socpilot.copilot.investigate import investigate
from socpilot.model.alert import LEVEL_RANK

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def shipped_questions() -> Path:
    return Path(str(files("socpilot.copilot.eval").joinpath("questions.jsonl")))


@dataclass
class EvalReport:
    questions: int = 0
    skipped: int = 0  # placeholders with no value in this workspace
    routed_right: int = 0
    entities_expected: int = 0
    entities_found: int = 0
    seconds: list[float] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def routing_accuracy(self) -> float:
        return self.routed_right / self.questions if self.questions else 0.0

    @property
    def entity_recall(self) -> float:
        return self.entities_found / self.entities_expected if self.entities_expected else 1.0

    def percentile(self, p: float) -> float:
        if not self.seconds:
            return 0.0
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def to_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, "skipped": self.skipped,
                "routing_accuracy": round(self.routing_accuracy, 4), "entity_recall": round(self.entity_recall, 4),
                "p50_seconds": round(self.percentile(50), 3), "p95_seconds": round(self.percentile(95), 3),
                "misses": self.misses[:50]}


def workspace_facts(ws: Workspace) -> dict[str, str]:
    """Facts to fill placeholders: the demo manifest if the workspace has one, and the top incident/alert."""
    facts: dict[str, str] = {}
    manifest = ws.home / "demo" / "manifest.json"
    if manifest.exists():
        facts.update({k: str(v) for k, v in orjson.loads(manifest.read_bytes()).get("facts", {}).items()
                      if isinstance(v, str | int)})
        facts.update({k: str(v) for k, v in orjson.loads(manifest.read_bytes()).get("facts", {})
                      .get("weaknesses", {}).items()})
    from socpilot.correlate import list_incidents, stored_alerts

    incidents = list_incidents(ws)
    if incidents:
        facts["top_incident"] = incidents[0].id
    alerts = sorted(stored_alerts(ws), key=lambda a: (-LEVEL_RANK[a.rule_level], a.first_time))
    if alerts:
        facts["top_alert"] = alerts[0].id
    return facts


def _fill(text: str, facts: dict[str, str]) -> str | None:
    missing = [m for m in _PLACEHOLDER.findall(text) if m not in facts]
    return None if missing else _PLACEHOLDER.sub(lambda m: facts[m.group(1)], text)


def evaluate_ask(ws: Workspace, data: Path, facts: dict[str, str] | None = None, limit: int | None = None
                 ) -> EvalReport:
    known = {**workspace_facts(ws), **(facts or {})}
    report = EvalReport()
    lines = [orjson.loads(line) for line in data.read_bytes().splitlines() if line.strip()]
    for case in lines[:limit]:
        question = _fill(case["question"], known)
        entities = [_fill(e, known) for e in case.get("entities", [])]
        if question is None or any(e is None for e in entities):
            report.skipped += 1
            continue
        started = time.perf_counter()
        answer = investigate(ws, question)
        report.seconds.append(time.perf_counter() - started)
        report.questions += 1
        if answer.route == case["route"]:
            report.routed_right += 1
        text = (answer.model_dump_json()).lower()
        found = [e for e in entities if e and e.lower() in text]
        report.entities_expected += len(entities)
        report.entities_found += len(found)
        if answer.route != case["route"] or len(found) < len(entities):
            report.misses.append({"question": question, "expected": case["route"], "got": answer.route,
                                  "missing": [e for e in entities if e not in found]})
    return report
