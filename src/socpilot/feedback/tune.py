"""Tuning a noisy rule: the Sigma filter that would have removed its false positives, back-tested.

From the alerts analysts marked false positive (or benign), find a source field whose
values all those events share and no true-positive event has; write it as a Sigma
``filter`` document (``condition: not selection``) and replay it over every stored
alert of the rule before anyone enables it. Enabled filters live in the workspace's
``rules/filters`` folder, which detection loads with the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.model.alert import Alert
from socpilot.store.query import run_query

MAX_VALUES = 3  # more distinct values than this is not "the same benign thing"
EVENTS_PER_ALERT = 50
NEGATIVE = {"false_positive", "benign"}


@lru_cache(maxsize=1)
def _fields() -> dict[str, list[str]]:
    return yaml.safe_load(files("socpilot.feedback").joinpath("tuning.yml").read_text())


@dataclass
class FilterSuggestion:
    rule_id: str
    field: str
    values: list[str]
    document: str  # the Sigma filter, YAML
    false_positives_removed: int
    false_positives: int
    true_positives_kept: int
    true_positives: int
    unlabelled_removed: int
    unlabelled: int

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def filters_dir(ws: Workspace) -> Path:
    return ws.home / "rules" / "filters"


def enabled_filters(ws: Workspace) -> set[str]:
    """Rule ids that have an enabled tuning filter in this workspace."""
    folder = filters_dir(ws)
    return {p.stem for p in folder.glob("*.yml")} if folder.exists() else set()


def _event_fields(ws: Workspace, alerts: list[Alert]) -> dict[str, dict[str, str]]:
    ids = [e for a in alerts for e in a.event_ids[:EVENTS_PER_ALERT]]
    if not ids:
        return {}
    tree = exp.select("id", "fields").from_("events").where(
        exp.In(this=exp.column("id"), expressions=[exp.Placeholder() for _ in ids]))
    con = ws.connect()
    try:
        return {r["id"]: dict(r["fields"] or {}) for r in run_query(con, tree, ids)}
    finally:
        con.close()


def _matches(alert: Alert, events: dict[str, dict[str, str]], field: str, values: set[str]) -> bool:
    """An alert is removed when every one of its evidence events matches the filter."""
    own = [events[e] for e in alert.event_ids[:EVENTS_PER_ALERT] if e in events]
    return bool(own) and all(str(f.get(field, "")).lower() in values for f in own)


def suggest_filter(ws: Workspace, rule_id: str, rule_title: str, logsource: dict[str, str],
                   alerts: list[Alert], verdicts: dict[str, str]) -> FilterSuggestion:
    mine = [a for a in alerts if a.rule_id == rule_id]
    negatives = [a for a in mine if verdicts.get(a.id) in NEGATIVE]
    positives = [a for a in mine if verdicts.get(a.id) == "true_positive"]
    if not negatives:
        raise ValueError(f"no alert of {rule_id} is marked false positive or benign yet: nothing to tune on")
    events = _event_fields(ws, mine)
    neg_events = [events[e] for a in negatives for e in a.event_ids[:EVENTS_PER_ALERT] if e in events]
    pos_events = [events[e] for a in positives for e in a.event_ids[:EVENTS_PER_ALERT] if e in events]
    volatile = set(_fields()["volatile"])
    present = set.intersection(*(set(f) for f in neg_events)) - volatile if neg_events else set()
    ordered = [f for f in _fields()["preferred"] if f in present] + sorted(present - set(_fields()["preferred"]))
    for field in ordered:
        values = {str(f[field]) for f in neg_events}
        if len(values) > MAX_VALUES or any(not v for v in values):
            continue
        lowered = {v.lower() for v in values}
        if any(str(f.get(field, "")).lower() in lowered for f in pos_events):
            continue
        return _suggestion(rule_id, rule_title, logsource, field, sorted(values), mine, negatives, positives,
                           events, lowered)
    raise ValueError(f"no single field tells {rule_id}'s false positives from its true positives; "
                     "suppress per entity instead")


def _suggestion(rule_id: str, title: str, logsource: dict[str, str], field: str, values: list[str],
                mine: list[Alert], negatives: list[Alert], positives: list[Alert],
                events: dict[str, dict[str, str]], lowered: set[str]) -> FilterSuggestion:
    document = yaml.safe_dump({
        "title": f"Tuning filter for {title}",
        "description": f"Alerts of this rule where {field} is one of these values were judged false positive "
                       "or benign by analysts.",
        "logsource": logsource,
        "filter": {"rules": [rule_id], "selection": {field: values}, "condition": "not selection"},
    }, sort_keys=False, allow_unicode=True)
    labelled = {a.id for a in negatives} | {a.id for a in positives}
    unlabelled = [a for a in mine if a.id not in labelled]
    return FilterSuggestion(
        rule_id=rule_id, field=field, values=values, document=document,
        false_positives_removed=sum(_matches(a, events, field, lowered) for a in negatives),
        false_positives=len(negatives),
        true_positives_kept=sum(not _matches(a, events, field, lowered) for a in positives),
        true_positives=len(positives),
        unlabelled_removed=sum(_matches(a, events, field, lowered) for a in unlabelled), unlabelled=len(unlabelled))


def enable_filter(ws: Workspace, suggestion: FilterSuggestion, who: str) -> Path:
    """Write the back-tested filter where detection loads it; the file says who enabled it and when."""
    folder = filters_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{suggestion.rule_id}.yml"
    header = (f"# enabled by {who} at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; back-test: removed "
              f"{suggestion.false_positives_removed}/{suggestion.false_positives} false positives, kept "
              f"{suggestion.true_positives_kept}/{suggestion.true_positives} true positives\n")
    path.write_text(header + suggestion.document)
    return path
