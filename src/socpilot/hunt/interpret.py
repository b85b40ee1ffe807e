"""The plain-English restatement every answer starts with, so a wrong reading shows at once."""

from __future__ import annotations

from datetime import datetime

from socpilot.hunt.query import Enrichment, Filter, HuntQuery, Step, TimeRange
from socpilot.hunt.vocab import vocabulary

_CONTACT = {"network", "dns", "http", "tls"}


def interpret(query: HuntQuery, now: datetime) -> str:
    """One paragraph: what comes back, from which events, under which conditions, over which time."""
    labels = vocabulary()["labels"]
    subject = labels["returns"][query.returns]
    if query.aggregate == "distinct_count":
        subject = f"the number of distinct {subject}"
    elif query.aggregate == "sum_bytes":
        subject = f"{subject} with the bytes they sent and received"
    elif query.returns not in ("events", "count"):
        subject = f"{subject} with event counts and first/last seen"
    if query.sequence is not None:
        seq = query.sequence
        steps = ", then ".join(_step(s) for s in seq.steps)
        text = f"{subject.capitalize()}: {steps}, each within {seq.within_minutes} minutes of the previous step"
        text += " on the same " + seq.by
    else:
        text = f"{subject.capitalize()}: {_classes(query.classes)}"
        conditions = [_filter(f) for f in query.filters] + [_enrichment(e) for e in query.enrich]
        if conditions:
            text += " where " + "; ".join(conditions)
        if query.spread is not None:
            text += f"; only those with at least {query.spread.at_least} distinct {_plural(query.spread.entity)}"
    if query.sources:
        text += f" (sources: {', '.join(query.sources)})"
    elif _CONTACT & set(query.classes):
        text += " (endpoint telemetry and network sensors together)"
    text += "; " + describe_time(query.time, now)
    if query.order and query.returns != "events":
        text += f"; ordered by {query.order.replace('_', ' ')}"
    if query.returns not in ("count",) and query.aggregate != "distinct_count":
        text += f"; at most {query.limit} rows"
    return text + "."


def _classes(classes: list[str]) -> str:
    labels = vocabulary()["labels"]["classes"]
    if not classes:
        return "all events"
    return " or ".join(labels.get(c, c) for c in classes)


def _step(step: Step) -> str:
    text = _classes(step.classes)
    if step.filters:
        text += " (" + " and ".join(_filter(f) for f in step.filters) + ")"
    return text


def _filter(f: Filter) -> str:
    labels = vocabulary()["labels"]
    name = labels["fields"].get(f.field, f.field.removeprefix("fields."))
    value = ", ".join(map(str, f.value)) if isinstance(f.value, list) else f.value
    if isinstance(value, bool) and f.field in labels["booleans"]:
        return labels["booleans"][f.field][value != f.negate]
    if f.op == "exists":
        return f"{name} {'is absent' if f.negate else 'is present'}"
    op = labels["ops"][f.op]
    return f"{name} {'not ' if f.negate else ''}{op} {value!r}" if isinstance(value, str) else \
        f"{name} {'not ' if f.negate else ''}{op} {value}"


def _enrichment(e: Enrichment) -> str:
    entity = e.entity or "domain"
    if e.kind == "registered":
        return f"the domain was registered in the last {_days(e.days)} (source: domain-registration cache)"
    if e.kind == "first_seen":
        scope = f" for that {e.scope}" if e.scope else ""
        return f"the {entity} was first seen in your environment{scope} in the last {_days(e.days)} " \
               "(first seen in your environment, not registration date)"
    if e.kind == "rare":
        return f"the {entity} is rare: seen on at most {e.max_count} {e.scope or 'host'}s in all stored data"
    if e.kind == "outside_hours":
        hours = vocabulary()["business_hours"]
        return f"outside business hours (weekdays {hours['start']:02d}:00-{hours['end']:02d}:00 UTC)"
    if e.kind == "asset":
        return f"the host's {e.attribute} is {e.value!r} (asset inventory)"
    if e.attribute == "privileged":
        return f"the user is {'' if e.value else 'not '}privileged (identity list)"
    if e.attribute == "mfa_enrolled":
        return f"the user is {'' if e.value else 'not '}enrolled in MFA (identity list)"
    return f"the user's {e.attribute} is {e.value!r} (identity list)"


def _plural(entity: str) -> str:
    return {"country": "countries", "process": "processes", "ip": "IPs"}.get(entity, entity.replace("_", " ") + "s")


def _days(days: int | None) -> str:
    return "day" if days == 1 else f"{days} days"


def describe_time(time: TimeRange, now: datetime) -> str:
    start, end = time.resolve(now)
    if start is None and end is None:
        text = "all stored data (the question names no time range)"
    else:
        left = start.strftime("%Y-%m-%d %H:%M") if start else "the beginning"
        right = end.strftime("%Y-%m-%d %H:%M") if end else "now"
        text = f"{left} → {right} UTC"
    if time.hour_from is not None or time.hour_to is not None:
        text += f", between {time.hour_from or 0:02d}:00 and {time.hour_to or 24:02d}:00 UTC each day"
    return text
