"""The Windows mapping tables (``mapping.yaml``), loaded once into lookup-ready form.

The YAML says, per channel, product and EventID, what a Windows record means; this
module only resolves it into plans: for each (product, EventID), the OCSF class,
activity, outcome and the ordered source fields of every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from socpilot.model.ocsf import EventClass

Plan = tuple[tuple[str, tuple[str, ...]], ...]  # (column, source fields in order of preference)


@dataclass(frozen=True)
class EventKind:
    """What one (product, EventID) is: its OCSF class, activity, auth outcome and column plan."""

    class_uid: int
    class_name: str
    activity: str | None
    outcome: str | None
    plan: Plan


@dataclass(frozen=True)
class WindowsMapping:
    channels: dict[str, str]
    providers: dict[str, str]
    severity: dict[str, int]
    dns_status: dict[str, str]
    protocols: dict[str, str]
    directions: dict[str, str]
    time_fields: tuple[str, ...]
    utc_fields: frozenset[str]  # time fields whose values are UTC even without an offset
    default: EventKind
    kinds: dict[tuple[str, str], EventKind]

    def product(self, channel: str | None, provider: str | None) -> str | None:
        if channel:
            known = self.channels.get(channel)
            if known:
                return known
        if provider:
            return self.providers.get(provider)
        return None

    def kind(self, product: str | None, event_code: str | None) -> EventKind:
        if product is None or event_code is None:
            return self.default
        return self.kinds.get((product, event_code), self.default)


def _plan(defaults: dict[str, list[str]], overrides: dict[str, list[str]]) -> Plan:
    merged = {**defaults, **overrides}
    return tuple((column, tuple(sources)) for column, sources in merged.items() if sources)


def _kind(spec: dict[str, Any], defaults: dict[str, list[str]]) -> EventKind:
    event_class = EventClass[spec.get("class", "BASE")]
    return EventKind(int(event_class), event_class.label, spec.get("activity"), spec.get("outcome"),
                     _plan(defaults, spec.get("columns") or {}))


def build_mapping(doc: dict[str, Any]) -> WindowsMapping:
    """Resolve a mapping document (the parsed YAML) into lookup tables."""
    defaults: dict[str, list[str]] = doc["columns"]
    kinds = {
        (product, str(code)): _kind(spec, defaults)
        for product, events in doc["events"].items()
        for code, spec in events.items()
    }
    return WindowsMapping(
        channels=dict(doc["channels"]),
        providers=dict(doc["providers"]),
        severity={str(k): int(v) for k, v in doc["severity"].items()},
        dns_status={str(k): str(v) for k, v in doc["dns_status"].items()},
        protocols={str(k): str(v) for k, v in doc["protocols"].items()},
        directions={str(k): str(v) for k, v in doc["directions"].items()},
        time_fields=tuple(doc["time_fields"]),
        utc_fields=frozenset(doc.get("utc_fields", ())),
        default=_kind({}, defaults),
        kinds=kinds,
    )


@cache
def load_mapping() -> WindowsMapping:
    """The packaged mapping (read once per process; it is immutable)."""
    text = files("socpilot.ingest.windows").joinpath("mapping.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster in every worker
    return build_mapping(yaml.load(text, Loader=loader))  # noqa: S506 (a safe loader)
