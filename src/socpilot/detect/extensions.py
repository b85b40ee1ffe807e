"""The ``socpilot:`` rule extension: aggregations Sigma cannot express.

A Sigma detection rule may carry a top-level ``socpilot:`` block (pySigma keeps it
as a custom attribute; other tools ignore it). The rule's own matches then feed
the aggregation below instead of raising alerts one by one:

``aggregate: periodic`` (beaconing)
    ``group-by`` fields; fires for a group with at least ``min-count`` events whose
    gaps have a coefficient of variation (stdev / mean) at most ``max-jitter``.
``aggregate: first_seen``
    ``field`` (optionally per ``group-by``, e.g. a user's countries); the first
    ``baseline`` (duration, e.g. ``1h``) of the matches learns the known values; a
    value first seen after that fires once, with its events.
``aggregate: rare``
    ``field``; with at least ``min-total`` matches overall, a value seen in at most
    ``max-count`` events fires.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from socpilot.detect.matches import Hit, Match

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class InvalidExtension(ValueError):
    """The socpilot: block is malformed; the message says how."""


def duration(text: str) -> timedelta:
    try:
        return timedelta(seconds=int(text[:-1]) * _UNITS[text[-1]])
    except (KeyError, ValueError, IndexError) as exc:
        raise InvalidExtension(f"duration {text!r}: use a number and one of s, m, h, d") from exc


def fields_used(spec: Mapping[str, Any]) -> list[str]:
    return list(spec.get("group-by") or []) + ([spec["field"]] if spec.get("field") else [])


def validate(spec: Mapping[str, Any]) -> None:
    kind = spec.get("aggregate")
    if kind not in _AGGREGATES:
        raise InvalidExtension(f"socpilot.aggregate must be one of {sorted(_AGGREGATES)}, not {kind!r}")
    if kind == "periodic" and not spec.get("group-by"):
        raise InvalidExtension("periodic needs group-by")
    if kind in ("first_seen", "rare") and not spec.get("field"):
        raise InvalidExtension(f"{kind} needs field")
    if kind == "first_seen":
        duration(str(spec.get("baseline", "1h")))


def evaluate(spec: Mapping[str, Any], matches: Sequence[Match], key: Callable[[str], str]) -> list[Hit]:
    """Aggregate one rule's matches; ``key`` maps a Sigma field name to its name in ``Match.values``."""
    validate(spec)
    ordered = sorted(matches, key=lambda m: (m.time, m.event_id))
    return _AGGREGATES[spec["aggregate"]](spec, ordered, key)


def _periodic(spec: Mapping[str, Any], matches: list[Match], key: Callable[[str], str]) -> list[Hit]:
    min_count = int(spec.get("min-count", 10))
    max_jitter = float(spec.get("max-jitter", 0.2))
    groups: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        values = [m.values.get(key(f)) for f in spec["group-by"]]
        if None not in values:
            groups[", ".join(f"{f}={v}" for f, v in zip(spec["group-by"], values, strict=True))].append(m)
    hits = []
    for group_key, items in sorted(groups.items()):
        if len(items) < min_count:
            continue
        gaps = [(b.time - a.time).total_seconds() for a, b in zip(items, items[1:], strict=False)]
        mean = statistics.fmean(gaps)
        if mean > 0 and statistics.pstdev(gaps) / mean <= max_jitter:
            hits.append(Hit(f"{group_key}, interval={mean:.0f}s", tuple(items)))
    return hits


def _first_seen(spec: Mapping[str, Any], matches: list[Match], key: Callable[[str], str]) -> list[Hit]:
    if not matches:
        return []
    learn_until = matches[0].time + duration(str(spec.get("baseline", "1h")))
    names = [key(f) for f in spec.get("group-by") or []] + [key(spec["field"])]
    labels = list(spec.get("group-by") or []) + [spec["field"]]
    known: set[tuple[str, ...]] = set()
    new: dict[tuple[str, ...], list[Match]] = defaultdict(list)
    for m in matches:
        values = tuple((m.values.get(n) or "").lower() for n in names)
        if not all(values):
            continue
        if m.time <= learn_until:
            known.add(values)
        elif values not in known:
            new[values].append(m)
    return [Hit(", ".join(f"{label}={v}" for label, v in zip(labels, values, strict=True)), tuple(items))
            for values, items in sorted(new.items())]


def _rare(spec: Mapping[str, Any], matches: list[Match], key: Callable[[str], str]) -> list[Hit]:
    if len(matches) < int(spec.get("min-total", 50)):
        return []
    name = key(spec["field"])
    by_value: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        value = m.values.get(name)
        if value is not None:
            by_value[value].append(m)
    max_count = int(spec.get("max-count", 2))
    return [Hit(f"{spec['field']}={value}", tuple(items))
            for value, items in sorted(by_value.items()) if len(items) <= max_count]


_AGGREGATES: dict[str, Callable[[Mapping[str, Any], list[Match], Callable[[str], str]], list[Hit]]] = {
    "periodic": _periodic,
    "first_seen": _first_seen,
    "rare": _rare,
}
