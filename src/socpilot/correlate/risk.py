"""Risk of an incident: how bad its rules say it is, how far along the kill chain it got,
how unusual its alerts are here, and how much the hosts it touches matter.

    risk = 100 * (w_level * level + w_progression * progression + w_rarity * rarity) * criticality

- level: distinct rules weighted by their level, saturating (many alerts of one rule add nothing);
- progression: distinct ATT&CK tactics (no more than the distinct rules reaching them),
  saturating, so initial access -> execution -> ... -> exfiltration outweighs any number
  of alerts of a single tactic;
- rarity: how few of the fleet's hosts fire the incident's rules (1 = only here);
- criticality: the most critical host's factor from the inventory (1 when unknown).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from socpilot.correlate.settings import Settings
from socpilot.correlate.tactics import chain
from socpilot.model.alert import Alert, Level


@dataclass(frozen=True)
class RiskContext:
    """What the whole run knows that one incident's risk depends on."""

    rule_hosts: Mapping[str, int]  # rule id -> distinct hosts it fired on
    fleet_size: int  # hosts known to the workspace
    criticality: Mapping[str, str] = field(default_factory=dict)  # host -> inventory label


def score(alerts: Sequence[Alert], hosts: Sequence[str], ctx: RiskContext,
          settings: Settings) -> tuple[float, dict[str, float]]:
    """The risk (0-100) and its parts, each 0-1 except the criticality factor."""
    by_rule: dict[str, float] = {}
    for alert in alerts:
        weight = settings.level_weights.get(alert.rule_level, 0.0)
        by_rule[alert.rule_id] = max(by_rule.get(alert.rule_id, 0.0), weight)
    level = 1 - math.exp(-sum(by_rule.values()) / settings.level_scale)
    tactics = chain(t for a in alerts for t in a.tactics)
    # A stage needs a rule of its own: one rule tagged with three tactics has not moved three stages.
    stages = min(len(tactics), len({a.rule_id for a in alerts if a.tactics}))
    progression = 1 - math.exp(-max(stages - 1, 0) / settings.progression_scale)
    others = max(ctx.fleet_size - 1, 1)
    rarity = sum(1 - min(max(ctx.rule_hosts.get(r, 1) - 1, 0) / others, 1.0) for r in by_rule) / max(len(by_rule), 1)
    factors = [settings.criticality.get(ctx.criticality[h], 1.0) for h in hosts if h in ctx.criticality]
    criticality = max(factors, default=1.0)
    w = settings.risk_weights
    value = 100 * (w["level"] * level + w["progression"] * progression + w["rarity"] * rarity) * criticality
    parts = {"level": level, "progression": progression, "rarity": rarity, "criticality": criticality}
    return round(min(value, 100.0), 1), {k: round(v, 3) for k, v in parts.items()}


def severity(risk: float, settings: Settings) -> Level:
    """The severity band a risk falls in."""
    for name in ("critical", "high", "medium", "low"):
        if risk >= settings.severity_thresholds[name]:
            return name  # type: ignore[return-value]
    return "informational"
