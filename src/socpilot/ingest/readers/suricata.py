"""Suricata EVE: one JSON event per line, or a JSON array of (pretty-printed) events, every event type.

Layouts are unwrapped by ``json_records`` (shared with the cloud readers), so ``raw``
follows the reader conventions: the line, or the record's sorted-key JSON in an array.

``fields`` holds the event flattened to EVE's own dotted names (``alert.signature``,
``dns.rrname``); columns come from ``suricata.yaml``. DNS answers are read from all
three EVE layouts: v1 (one record per answer, ``rdata``), v2 (``answers`` list or
``grouped``), v3 (``queries``/``answers``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict, Reader
from socpilot.ingest.readers.json_records import first_record, iter_json_records
from socpilot.ingest.readers.zeek import column_converter, head_records, nested_text
from socpilot.model.ocsf import EventClass


@cache
def _mapping() -> dict[str, Any]:
    text = resources.files("socpilot.ingest.readers").joinpath("suricata.yaml").read_text(encoding="utf-8")
    return typing.cast(dict[str, Any], yaml.safe_load(text))


# -- normalization ------------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


MAX_DEPTH = 16  # EVE nests a few levels; deeper objects stay whole as JSON text


def flatten(record: dict[str, Any], prefix: str = "", out: dict[str, str] | None = None,
            depth: int = 0) -> dict[str, str]:
    """An EVE event as ``dotted.name -> text``; lists of scalars joined with ``,``, other lists as JSON."""
    out = {} if out is None else out
    for key, value in record.items():
        if isinstance(value, str):
            out[prefix + key] = value
        elif isinstance(value, dict):
            if depth < MAX_DEPTH:
                flatten(value, prefix + key + ".", out, depth + 1)
            else:
                out[prefix + key] = nested_text(value)
        elif isinstance(value, list):
            if all(_scalar(v) for v in value):
                out[prefix + key] = ",".join(_text(v) for v in value)
            else:
                out[prefix + key] = nested_text(value)
        elif value is not None:
            out[prefix + key] = _text(value)
    return out


def _lookup(record: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if isinstance(record, dict):
            record = record.get(part)
        elif isinstance(record, list) and part.isdigit() and int(part) < len(record):
            record = record[int(part)]
        else:
            return None
    return record


# A column's sources: the dotted field name, and the path into the event when it
# goes through a list (dns.queries.0.rrname), which ``fields`` keeps as JSON text.
Source = tuple[str, tuple[str, ...] | None]


@cache
def _column_rules() -> tuple[tuple[str, tuple[Source, ...], Callable[[str], Any]], ...]:
    def source(name: str) -> Source:
        parts = tuple(name.split("."))
        return name, parts if any(p.isdigit() for p in parts) else None

    return tuple((column, tuple(source(p) for p in paths), column_converter(column))
                 for column, paths in _mapping()["columns"].items())


@cache
def _event_class(event_type: str) -> tuple[int, str, str | None]:
    entry = _mapping()["event_types"].get(event_type, {})
    cls = EventClass[entry.get("class", "BASE")]
    return int(cls), cls.label, entry.get("activity")


def parse_time(value: Any) -> datetime | None:
    """EVE ``timestamp`` (``2018-03-24T14:37:19.037299-0600``) in UTC, its offset applied."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dns_answers(dns: dict[str, Any]) -> list[str] | None:
    """Answers in any EVE layout: v2/v3 ``answers`` list, v2 ``grouped``, v1 ``rdata``."""
    answers = dns.get("answers")
    if isinstance(answers, list):
        found = [_text(a["rdata"]) for a in answers if isinstance(a, dict) and a.get("rdata") is not None]
        if found:
            return found
    grouped = dns.get("grouped")
    if isinstance(grouped, dict):
        found = [_text(v) if _scalar(v) else nested_text(v)
                 for values in grouped.values() if isinstance(values, list) for v in values]
        if found:
            return found
    if dns.get("rdata") is not None:
        return [_text(dns["rdata"])]
    return None


def _duration(block: Any) -> float | None:
    if not isinstance(block, dict):
        return None
    start, end = parse_time(block.get("start")), parse_time(block.get("end"))
    return (end - start).total_seconds() if start and end else None


def normalize(record: dict[str, Any], time: datetime, raw: str, offset: int) -> EventDict:
    """One EVE event into an event dict."""
    event_type = _text(record.get("event_type", ""))
    class_uid, class_name, activity = _event_class(event_type)
    event: EventDict = {
        "time": time, "product": "suricata", "channel": event_type or None, "class_uid": class_uid,
        "class_name": class_name, "activity": activity, "offset": offset,
        "fields": flatten(record), "raw": raw,
    }
    fields = event["fields"]
    for column, sources, convert in _column_rules():
        for name, through_list in sources:
            if through_list is None:
                text = fields.get(name)
            else:
                value = _lookup(record, through_list)
                text = _text(value) if value is not None and _scalar(value) else None
            if text:
                converted = convert(text)
                if converted is not None:
                    event[column] = converted
                    break
    proto = record.get("proto")
    if isinstance(proto, str):
        event["protocol"] = proto.lower()
    if event.get("app_protocol") == "failed":  # Suricata's word for "no parser recognised it"
        del event["app_protocol"]
    alert = record.get("alert")
    if isinstance(alert, dict):
        level = column_converter("severity")(_text(alert.get("severity")))  # 2, or "2" from some shippers
        severity = _mapping()["alert_severity"].get(level)
        if severity is not None:
            event["severity"] = severity
        if isinstance(alert.get("action"), str):
            event["activity"] = alert["action"]
    dns = record.get("dns")
    if isinstance(dns, dict):
        answers = dns_answers(dns)
        if answers:
            event["dns_answers"] = answers
        if isinstance(dns.get("type"), str):
            event["activity"] = dns["type"]
    http = record.get("http")
    if isinstance(http, dict) and isinstance(http.get("url"), str):
        url, host = http["url"], http.get("hostname")
        event["http_url"] = f"{host}{url}" if isinstance(host, str) and url.startswith("/") else url
    duration = _duration(record.get("flow"))
    if duration is None:
        duration = _duration(record.get("netflow"))
    if duration is not None:
        event["duration"] = duration
    return event


def _event(record: dict[str, Any], raw: str, offset: int) -> EventDict | Quarantined:
    time = parse_time(record.get("timestamp"))
    if time is None:
        return Quarantined.of(offset, f"record {offset}: EVE event without a usable timestamp", raw)
    return normalize(record, time, raw, offset)


def _is_eve(record: dict[str, Any] | None) -> bool:
    return record is not None and "event_type" in record and "timestamp" in record


class SuricataReader(Reader):
    source = "suricata"
    description = "Suricata EVE JSON: one event per line or a JSON array, every event type"

    def sniff(self, name: str, head: bytes) -> bool:
        return _is_eve(first_record(head)) or any(_is_eve(r) for r in head_records(head))

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        for item in iter_json_records(inp):
            yield item if isinstance(item, Quarantined) else _event(item.record, item.raw, item.offset)
