"""ATT&CK ids for alerts and coverage: Sigma tags mapped onto ATT&CK v18.1 when the knowledge base is there.

SigmaHQ tags some rules with ATT&CK v19 ids (T1685, tactic ``stealth``); the ATT&CK
package (``socpilot.attack.knowledge``) maps them back onto v18.1 and names each
technique's tactics. It is imported lazily: without it the tags stay as written.
"""

from __future__ import annotations

from typing import Any

from socpilot.detect.compiler import RuleMeta

# ATT&CK v19 split Defense Evasion in two; v18.1 (what socpilot reports) still has the one tactic.
_V19_TACTICS = {"stealth": "defense-evasion", "defense-impairment": "defense-evasion"}


class AttackTags:
    """Techniques and tactics of a rule, in ATT&CK v18.1 terms when possible."""

    def __init__(self) -> None:
        self.kb = _knowledge()

    def of(self, meta: RuleMeta) -> tuple[list[str], list[str]]:
        techniques = list(dict.fromkeys(self.technique(t) for t in meta.techniques))
        tactics = list(dict.fromkeys(self.tactic(t) for t in meta.tactics))
        if self.kb is not None:
            for tid in techniques:
                tech = self.kb.technique(tid)
                tactics += [t for t in (tech.tactics if tech else ()) if t not in tactics]
        return techniques, tactics

    def technique(self, tid: str) -> str:
        return self.kb.to_v18(tid) if self.kb is not None else tid.upper()

    def tactic(self, name: str) -> str:
        name = _V19_TACTICS.get(name, name)
        if self.kb is None:
            return name
        tactic = self.kb.tactic(name)
        return tactic.shortname if tactic else name

    def name(self, tid: str) -> str | None:
        tech = self.kb.technique(tid) if self.kb is not None else None
        return tech.name if tech else None


def _knowledge() -> Any:
    try:
        from socpilot.attack import knowledge
    except ImportError:
        return None
    return knowledge.load()


def map_text(text: str, top: int = 3) -> list[str]:
    """Technique ids the ATT&CK mapper suggests for a sensor's alert text ([] when it is absent)."""
    try:
        from socpilot.attack.mapper import map_text as mapper
    except ImportError:
        return []
    return [m.technique_id for m in mapper(text, top=top)]
