"""Curated cue patterns: tool names, command-line idioms, API calls, event ids, cloud API names.

The cues are data (``cues.yaml``): each entry has a case-insensitive regular expression, the
techniques it points at with a weight, and a short reason shown as evidence. A cue that
fails to compile or names no technique is a packaging error and fails loudly at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

_ID = re.compile(r"^T\d{4}(\.\d{3})?$")


@dataclass(frozen=True, slots=True)
class Cue:
    """A pattern that, where it matches, points at techniques with weights."""

    pattern: re.Pattern[str]
    techniques: dict[str, float]
    why: str


def parse_cues(entries: list[dict[str, Any]]) -> tuple[Cue, ...]:
    """Cues from parsed YAML entries (``pattern``, ``techniques``, ``why``)."""
    cues = []
    for entry in entries:
        techniques = {str(k).upper(): float(v) for k, v in (entry.get("techniques") or {}).items()}
        if not techniques or not all(_ID.match(t) for t in techniques):
            raise ValueError(f"cue {entry.get('pattern')!r} needs technique ids with weights")
        pattern = re.compile(str(entry["pattern"]), re.IGNORECASE)
        cues.append(Cue(pattern, techniques, str(entry.get("why") or entry["pattern"])))
    return tuple(cues)


@lru_cache(maxsize=1)
def load_cues() -> tuple[Cue, ...]:
    """The packaged cues."""
    text = resources.files("socpilot.attack").joinpath("cues.yaml").read_text(encoding="utf-8")
    return parse_cues(yaml.safe_load(text) or [])
