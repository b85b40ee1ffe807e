"""Sigma correlation rules (event_count, value_count, temporal, temporal_ordered) over base-rule matches.

Pure functions: the engine has already found which events each base rule matched
(with the values of the fields correlation groups and counts by); here they are
grouped by ``group-by``, windowed by ``timespan`` and tested with ``condition``.
Each window that satisfies the condition is one alert; the search resumes after it,
so a long burst gives one alert per timespan, not one per event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from socpilot.detect.matches import Hit, Match

_OPS: dict[SigmaCorrelationConditionOperator, Callable[[int, int], bool]] = {
    SigmaCorrelationConditionOperator.LT: lambda a, b: a < b,
    SigmaCorrelationConditionOperator.LTE: lambda a, b: a <= b,
    SigmaCorrelationConditionOperator.GT: lambda a, b: a > b,
    SigmaCorrelationConditionOperator.GTE: lambda a, b: a >= b,
    SigmaCorrelationConditionOperator.EQ: lambda a, b: a == b,
    SigmaCorrelationConditionOperator.NEQ: lambda a, b: a != b,
}


class UnsupportedCorrelation(Exception):
    """A correlation rule this engine cannot evaluate; the message says why."""


def referenced_ids(rule: SigmaCorrelationRule) -> list[str]:
    ids = []
    for ref in rule.rules or []:
        if ref.rule is None:
            raise UnsupportedCorrelation(f"rule reference {ref.reference} is not resolved")
        if isinstance(ref.rule, SigmaCorrelationRule):
            raise UnsupportedCorrelation("correlation over correlation rules is not supported")
        ids.append(str(ref.rule.id) if ref.rule.id else str(ref.rule.name))
    return ids


def fields_used(rule: SigmaCorrelationRule) -> list[str]:
    """Sigma field names the correlation groups or counts by."""
    used = list(rule.group_by or [])
    fieldref = getattr(rule.condition, "fieldref", None)
    if fieldref:
        used.extend(fieldref if isinstance(fieldref, list) else [fieldref])
    return used


def evaluate(rule: SigmaCorrelationRule, matches_by_rule: Mapping[str, Sequence[Match]],
             field_key: Callable[[str, str], str]) -> list[Hit]:
    """Run one correlation rule. ``field_key(base_rule_id, sigma_field)`` names the value in ``Match.values``."""
    _condition(rule)  # extended (boolean) conditions are rejected before any work
    if rule.type not in _EVALUATORS:
        raise UnsupportedCorrelation(f"correlation type {rule.type} is not supported")
    bases = referenced_ids(rule)
    span = timedelta(seconds=rule.timespan.seconds)
    groups: dict[str, list[tuple[str, Match]]] = defaultdict(list)
    for base in bases:
        for m in matches_by_rule.get(base, ()):
            key = _group_key(rule, base, m, field_key)
            if key is not None:
                groups[key].append((base, m))
    hits: list[Hit] = []
    for key, items in sorted(groups.items()):
        items.sort(key=lambda bm: (bm[1].time, bm[1].event_id))
        for window in _EVALUATORS[rule.type](rule, items, span, bases, field_key):
            hits.append(Hit(key, tuple(m for _, m in window)))
    return hits


def _condition(rule: SigmaCorrelationRule) -> SigmaCorrelationCondition:
    """The rule's plain (count) condition; extended (boolean) conditions are not supported."""
    if not isinstance(rule.condition, SigmaCorrelationCondition):
        raise UnsupportedCorrelation("extended (boolean) correlation conditions are not supported")
    return rule.condition


def _group_key(rule: SigmaCorrelationRule, base: str, m: Match,
               field_key: Callable[[str, str], str]) -> str | None:
    parts = []
    for name in rule.group_by or []:
        alias = rule.aliases.aliases.get(name) if rule.aliases else None
        source_name = _alias_field(alias, base) if alias else name
        value = m.values.get(field_key(base, source_name))
        if value is None:
            return None  # an event without the group-by field cannot be grouped
        parts.append(f"{name}={value}")
    return ", ".join(parts)


def _alias_field(alias: object, base: str) -> str:
    for ref, field_name in getattr(alias, "mapping", {}).items():
        if ref.rule is not None and str(ref.rule.id or ref.rule.name) == base:
            return str(field_name)
    return str(getattr(alias, "alias", ""))


Window = list[tuple[str, Match]]


def _windows(items: Window, span: timedelta, satisfied: Callable[[Window], bool]) -> list[Window]:
    """Non-overlapping windows of at most ``span`` whose content satisfies the condition."""
    found: list[Window] = []
    start = 0
    while start < len(items):
        end = start
        best: Window | None = None
        while end < len(items) and items[end][1].time - items[start][1].time <= span:
            window = items[start:end + 1]
            if satisfied(window):
                best = window
            end += 1
        if best is not None:
            found.append(best)
            start += len(best)
        else:
            start += 1
    return found


def _event_count(rule: SigmaCorrelationRule, items: Window, span: timedelta, bases: list[str],
                 field_key: Callable[[str, str], str]) -> list[Window]:
    condition = _condition(rule)
    op, threshold = _OPS[condition.op], condition.count
    return _windows(items, span, lambda w: op(len(w), threshold))


def _value_count(rule: SigmaCorrelationRule, items: Window, span: timedelta, bases: list[str],
                 field_key: Callable[[str, str], str]) -> list[Window]:
    condition = _condition(rule)
    op, threshold = _OPS[condition.op], condition.count
    fieldref = condition.fieldref
    name = fieldref[0] if isinstance(fieldref, list) else fieldref
    if not name:
        raise UnsupportedCorrelation("value_count needs condition.field")

    def distinct(w: Window) -> int:
        return len({m.values.get(field_key(b, name)) for b, m in w} - {None})

    return _windows(items, span, lambda w: op(distinct(w), threshold))


def _temporal(rule: SigmaCorrelationRule, items: Window, span: timedelta, bases: list[str],
              field_key: Callable[[str, str], str]) -> list[Window]:
    condition = _condition(rule)
    op, threshold = _OPS[condition.op], condition.count
    return _windows(items, span, lambda w: op(len({b for b, _ in w}), threshold))


def _temporal_ordered(rule: SigmaCorrelationRule, items: Window, span: timedelta, bases: list[str],
                      field_key: Callable[[str, str], str]) -> list[Window]:
    def in_order(w: Window) -> bool:
        step = 0
        for base, _ in w:
            if step < len(bases) and base == bases[step]:
                step += 1
        return step == len(bases)

    return _windows(items, span, in_order)


_EVALUATORS = {
    SigmaCorrelationType.EVENT_COUNT: _event_count,
    SigmaCorrelationType.VALUE_COUNT: _value_count,
    SigmaCorrelationType.TEMPORAL: _temporal,
    SigmaCorrelationType.TEMPORAL_ORDERED: _temporal_ordered,
}
