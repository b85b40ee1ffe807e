"""Sigma logsources -> where their events live in the store (``pipelines/logsources.yml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sigma.rule import SigmaLogSource

Where = tuple[tuple[str, tuple[str, ...]], ...]  # (column or fields.X, allowed values), sorted


@dataclass(frozen=True)
class Target:
    """One place a logsource's events are: a scan filter plus the field names to use there."""

    where: Where
    fields: tuple[tuple[str, str], ...] = ()  # Sigma field -> source field name
    columns: tuple[tuple[str, str], ...] = ()  # Sigma field -> normalized store column

    def field_key(self, name: str) -> str:
        return dict(self.fields).get(name, name)

    def column(self, name: str) -> str | None:
        return dict(self.columns).get(name)

    def narrowed(self, extra: dict[str, set[str]]) -> Target:
        """The same target with more conditions (e.g. the Channel/EventID a Windows pipeline added)."""
        merged = {k: set(v) for k, v in self.where}
        for key, values in extra.items():
            merged[key] = merged[key] & values if key in merged else set(values)
        return Target(_freeze(merged), self.fields, self.columns)


@dataclass(frozen=True)
class _Entry:
    logsource: tuple[tuple[str, str | None], ...]
    target: Target

    def serves(self, ls: SigmaLogSource) -> bool:
        return all(getattr(ls, key) == value for key, value in self.logsource)


def _freeze(where: dict[str, Any]) -> Where:
    return tuple(sorted((k, tuple(sorted(str(v) for v in values))) for k, values in where.items()))


@cache
def _entries() -> tuple[_Entry, ...]:
    text = (resources.files("socpilot.detect") / "pipelines" / "logsources.yml").read_text(encoding="utf-8")
    entries = []
    for item in yaml.safe_load(text):
        target = Target(
            _freeze(item["where"]),
            tuple(sorted((item.get("fields") or {}).items())),
            tuple(sorted((item.get("columns") or {}).items())),
        )
        entries.append(_Entry(tuple(sorted(item["logsource"].items())), target))
    return tuple(entries)


def targets_for(logsource: SigmaLogSource) -> list[Target]:
    """Every store location that serves a logsource; empty when socpilot reads no such log."""
    return [e.target for e in _entries() if e.serves(logsource)]
