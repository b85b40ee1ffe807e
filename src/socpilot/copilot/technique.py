"""'What is T1003.001 and do we detect it?': ATT&CK's answer, our rules, what fired, what we cannot see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socpilot.attack.knowledge import load, parent_of
from socpilot.copilot.answer import Answer
from socpilot.datasources import missing_components


@dataclass(frozen=True)
class RuleRef:
    id: str
    title: str
    level: str
    techniques: tuple[str, ...]


def _covers(rule_techniques: tuple[str, ...], tid: str) -> bool:
    # a rule for the parent technique, or for any of its sub-techniques, covers it in part
    return any(t == tid or t == parent_of(tid) or parent_of(t) == tid for t in rule_techniques)


def technique_answer(tid: str, rules: list[RuleRef], alerts: list[Any], available: dict[str, bool]) -> Answer:
    kb = load()
    wanted = kb.to_v18(tid)
    technique = kb.technique(wanted)
    answer = Answer(question=tid, route="technique", title=f"ATT&CK {wanted}")
    if technique is None:
        answer.say(f"{tid} is not an Enterprise ATT&CK v{kb.version} technique.", kind="missing")
        return answer
    answer.title = f"{technique.id} {technique.name}"
    summary = technique.description.split(". ")[0].strip().rstrip(".") + "."
    answer.say(f"{technique.id} {technique.name} ({', '.join(technique.tactics)}): {summary}",
               [f"attack:{technique.id}"])
    if technique.revoked or technique.deprecated:
        answer.say(f"{tid} is {'revoked' if technique.revoked else 'deprecated'} in ATT&CK v{kb.version}.",
                   [f"attack:{technique.id}"], kind="missing")
    covering = [r for r in rules if _covers(r.techniques, technique.id)]
    if covering:
        names = "; ".join(f"{r.title} ({r.level})" for r in covering[:8])
        answer.say(f"{len(covering)} enabled rule(s) cover it: {names}"
                   + (f" and {len(covering) - 8} more" if len(covering) > 8 else "") + ".",
                   [f"rule:{r.id}" for r in covering[:20]])
    else:
        answer.say("No enabled rule covers it.", kind="missing")
    fired = [a for a in alerts if any(_covers((t,), technique.id) for t in a.techniques)]
    if fired:
        answer.say(f"{len(fired)} alert(s) for it fired, the last on {max(a.last_time for a in fired):%Y-%m-%d %H:%M} "
                   "UTC.", [a.id for a in sorted(fired, key=lambda a: a.last_time)[-10:]])
    else:
        answer.say("None of our alerts is tagged with it.", kind="missing")
    missing = missing_components(technique.data_components, available)
    have = [c for c in technique.data_components if c not in missing]
    if have:
        answer.say(f"We hold telemetry for {', '.join(have)}.", [f"attack:{technique.id}"])
    if missing:
        answer.say(f"We lack telemetry for {', '.join(missing)}.", [f"attack:{technique.id}"], kind="missing")
    if technique.mitigations:
        answer.say(f"Mitigations: {'; '.join(technique.mitigations[:4])}.", [f"attack:{technique.id}"])
    answer.data = {"technique": technique.id, "name": technique.name, "tactics": list(technique.tactics),
                   "rules": [r.__dict__ for r in covering], "alerts": [a.id for a in fired],
                   "data_components": list(technique.data_components), "missing_components": missing,
                   "url": technique.url}
    return answer
