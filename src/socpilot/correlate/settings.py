"""Correlation settings: defaults kept as data in settings.yml, overridable per call."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_hours: float
    hub_max_hosts: int
    hub_min_hosts: int
    hub_fraction: float
    fleet_min_hosts: int
    evidence_pad_minutes: float
    skew_min_matches: int
    timeline_limit: int
    cite_limit: int
    ignored_users: frozenset[str]
    level_weights: dict[str, float]
    level_scale: float
    progression_scale: float
    risk_weights: dict[str, float]
    criticality: dict[str, float]
    severity_thresholds: dict[str, float]


def hub_threshold(settings: Settings, fleet_size: int) -> int:
    """Hosts beyond which an entity is common in this fleet rather than a link between alerts."""
    return max(settings.hub_min_hosts, min(settings.hub_max_hosts, int(settings.hub_fraction * fleet_size)))


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("socpilot.correlate").joinpath("settings.yml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def load_settings(**overrides: Any) -> Settings:
    """The packaged defaults with ``overrides`` (``None`` values ignored) applied."""
    values = _defaults() | {k: v for k, v in overrides.items() if v is not None}
    return Settings.model_validate(values)
