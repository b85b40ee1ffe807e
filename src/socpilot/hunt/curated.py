"""Curated hunts: HuntQuery templates kept as YAML (hunt/hunts/*.yaml), with typed,
described parameters, runnable by name and shown as examples of what to ask."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from socpilot.hunt.query import HuntQuery


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    type: Literal["str", "int", "bool"] = "str"
    description: str
    default: str | int | bool | None = None


class CuratedHunt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    description: str
    question: str  # the plain-English question this hunt answers
    attack: list[str] = []
    parameters: list[Parameter] = []
    query: dict[str, Any]

    def build(self, values: dict[str, str] | None = None) -> HuntQuery:
        """The HuntQuery with parameters filled in (typed; missing ones take their default)."""
        given = dict(values or {})
        unknown = set(given) - {p.name for p in self.parameters}
        if unknown:
            raise ValueError(f"unknown parameter(s) for {self.name}: {', '.join(sorted(unknown))}")
        bound: dict[str, Any] = {}
        for p in self.parameters:
            raw = given.get(p.name, p.default)
            if raw is None:
                raise ValueError(f"parameter {p.name!r} is required: {p.description}")
            bound[p.name] = _typed(p, raw)
        return HuntQuery.model_validate(_fill(self.query, bound))


def _typed(p: Parameter, raw: str | int | bool) -> str | int | bool:
    if p.type == "int":
        return int(raw)
    if p.type == "bool":
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
    return str(raw)


def _fill(node: Any, bound: dict[str, Any]) -> Any:
    # "{name}" as a whole value keeps the parameter's type; values are never parsed as templates again
    if isinstance(node, str) and node.startswith("{") and node.endswith("}") and node[1:-1] in bound:
        return bound[node[1:-1]]
    if isinstance(node, dict):
        return {k: _fill(v, bound) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, bound) for v in node]
    return node


@cache
def curated_hunts() -> dict[str, CuratedHunt]:
    """Every curated hunt shipped with socpilot, by name."""
    out: dict[str, CuratedHunt] = {}
    folder = resources.files("socpilot.hunt").joinpath("hunts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yml", ".yaml")):
            hunt = CuratedHunt.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
            hunt.build()  # a hunt whose defaults do not build is a packaging error: fail on load
            out[hunt.name] = hunt
    return out
