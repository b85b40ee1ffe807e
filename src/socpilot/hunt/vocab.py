"""The hunting vocabulary (hunt/fields.yaml): field groups, entities, display columns."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def vocabulary() -> dict[str, Any]:
    """The parsed fields.yaml; read once, never mutated."""
    text = resources.files("socpilot.hunt").joinpath("fields.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def columns_of(field: str) -> list[str]:
    """The store columns a (possibly virtual) field stands for."""
    return list(vocabulary()["virtual"].get(field, [field]))
