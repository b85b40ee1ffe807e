"""ATT&CK tactic order: the kill chain incidents are ordered and scored by."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

import yaml


@cache
def tactic_order() -> tuple[str, ...]:
    """Tactic shortnames in kill-chain order, from socpilot.attack when it is installed."""
    try:
        from socpilot.attack.knowledge import load  # lazily: the knowledge base is optional here

        names = tuple(_shortname(t) for t in load().tactics())
        if names and all(names):
            return names
    except Exception:  # noqa: BLE001 - any failure there falls back to the packaged order
        pass
    text = resources.files("socpilot.correlate").joinpath("tactics.yml").read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text))


def _shortname(tactic: object) -> str:
    if isinstance(tactic, str):
        return tactic
    for attr in ("shortname", "short_name", "x_mitre_shortname"):
        value = getattr(tactic, attr, None)
        if isinstance(value, str):
            return value
    return ""


def normalise_tactic(name: str) -> str:
    """``Credential Access`` / ``credential_access`` -> ``credential-access``."""
    return name.strip().lower().replace("_", "-").replace(" ", "-")


@cache
def _positions() -> dict[str, int]:
    return {name: i for i, name in enumerate(tactic_order())}


def stage(tactic: str) -> int:
    """Position in the kill chain; unknown tactics sort last."""
    positions = _positions()
    return positions.get(normalise_tactic(tactic), len(positions))


def chain(tactics: Iterable[str]) -> list[str]:
    """Distinct tactics in kill-chain order."""
    return sorted({normalise_tactic(t) for t in tactics if t.strip()}, key=lambda t: (stage(t), t))


def label(tactic: str, labels: dict[str, str]) -> str:
    """A tactic's display name: from the templates, else its shortname spelled out (``defense-impairment``)."""
    name = normalise_tactic(tactic)
    return labels.get(name) or name.replace("-", " ").capitalize()
