"""Curated cue patterns: tool names, command-line idioms, API calls, event ids, cloud API names.

The cues are data (``cues.yaml``): each entry has a case-insensitive regular expression, the
techniques it points at with a weight, and a short reason shown as evidence. A cue that
fails to compile or names no technique is a packaging error and fails loudly at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

# The regex parser is how ``re`` itself reads patterns; used only to find literal prefixes.
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any

import yaml

_ID = re.compile(r"^T\d{4}(\.\d{3})?$")


@dataclass(frozen=True, slots=True)
class Cue:
    """A pattern that, where it matches, points at techniques with weights.

    ``prefixes`` are lower-case literals one of which every match starts with (None when the
    pattern has no such literals): a cheap substring test that skips most regex searches.
    """

    pattern: re.Pattern[str]
    techniques: dict[str, float]
    why: str
    prefixes: frozenset[str] | None = field(default=None)

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        """The first match in ``text`` (``lowered`` is ``text.lower()``, computed once per text)."""
        if self.prefixes is not None and not any(p in lowered for p in self.prefixes):
            return None
        return self.pattern.search(text)


def parse_cues(entries: list[dict[str, Any]]) -> tuple[Cue, ...]:
    """Cues from parsed YAML entries (``pattern``, ``techniques``, ``why``)."""
    cues = []
    for entry in entries:
        techniques = {str(k).upper(): float(v) for k, v in (entry.get("techniques") or {}).items()}
        if not techniques or not all(_ID.match(t) for t in techniques):
            raise ValueError(f"cue {entry.get('pattern')!r} needs technique ids with weights")
        pattern = re.compile(str(entry["pattern"]), re.IGNORECASE)
        cues.append(Cue(pattern, techniques, str(entry.get("why") or entry["pattern"]),
                        literal_prefixes(pattern.pattern)))
    return tuple(cues)


def literal_prefixes(source: str, shortest: int = 2) -> frozenset[str] | None:
    """Lower-case literals that every match of ``source`` starts with, or None if there are none.

    Reads the pattern's parse tree (the standard library's regex parser): alternatives give
    one literal each, zero-width assertions such as ``\\b`` are skipped; anything else at a
    match's start (a character class, an optional part) means no usable literal.
    """
    try:
        found = _first_literals(list(_parser.parse(source)))
    except (re.error, TypeError, ValueError):
        return None
    if found is None or any(len(p) < shortest for p in found):
        return None
    return frozenset(found)


def _first_literals(items: list[tuple[Any, Any]]) -> set[str] | None:
    prefix = ""
    for op, value in items:
        if op is _constants.AT:
            if prefix:
                break
            continue
        if op is _constants.LITERAL:
            prefix += chr(value).lower()
            continue
        tails: set[str] | None = None
        if op is _constants.BRANCH:  # the parser factors common leading literals out of branches
            tails = _union(list(branch) for branch in value[1])
        elif op is _constants.SUBPATTERN:
            tails = _first_literals(list(value[-1]))
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and value[0] >= 1:
            tails = _first_literals(list(value[2]))
        if tails is None:
            break
        return {prefix + tail for tail in tails}
    return {prefix} if prefix else None


def _union(branches: Any) -> set[str] | None:
    out: set[str] = set()
    for branch in branches:
        found = _first_literals(branch)
        if found is None:
            return None
        out |= found
    return out


@lru_cache(maxsize=1)
def load_cues() -> tuple[Cue, ...]:
    """The packaged cues."""
    text = resources.files("socpilot.attack").joinpath("cues.yaml").read_text(encoding="utf-8")
    return parse_cues(yaml.safe_load(text) or [])
