"""Narrative templates, kept as data in templates/*.yml and read once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def template(name: str) -> dict[str, Any]:
    """The template document ``templates/<name>.yml``."""
    text = resources.files("socpilot.correlate").joinpath("templates", f"{name}.yml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


class _Values(dict[str, Any]):
    """Placeholders without a value read as "unknown" instead of failing the narrative."""

    def __missing__(self, key: str) -> str:
        return "unknown"


def fill(text: str, **values: Any) -> str:
    """Fill a template's placeholders; values are inserted as they are, never parsed as templates."""
    return text.format_map(_Values(values))
