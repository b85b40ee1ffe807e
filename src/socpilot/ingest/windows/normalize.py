"""One Windows record, already flattened to Sigma field names, into a socpilot event.

Every Windows reader (EVTX, evtx_dump JSON, NXLog/Winlogbeat JSON, Sentinel tables)
ends here, so Security 4688 and Sysmon 1 land in the same class with the same
columns whatever file they came from. Pure functions; the tables are data
(``mapping.yaml``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socpilot.ingest.windows.mapping import WindowsMapping

# Windows writes "-" (and sometimes "") where a value is absent.
_ABSENT = frozenset(("", "-", "N/A", "%%1793"))
_INT_COLUMNS = frozenset(("process_pid", "parent_pid", "src_port", "dst_port", "logon_type"))
_SPECIAL = _INT_COLUMNS | {"user", "hashes", "dns_answers", "dns_rcode", "protocol", "direction"}
_HASH_COLUMNS = {"MD5": "process_md5", "SHA1": "process_sha1", "SHA256": "process_sha256"}


class NotAnEvent(ValueError):
    """A record that cannot become an event (no usable time); the reader quarantines it."""


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def event_time(fields: dict[str, str], time_fields: tuple[str, ...],
               utc_fields: frozenset[str] = frozenset()) -> datetime | None:
    """The most trusted time: the first that states its offset (or is UTC by definition),
    else the first parsable one, taken as UTC."""
    fallback: datetime | None = None
    for name in time_fields:
        value = fields.get(name)
        if not value:
            continue
        ts = _parse(value)
        if ts is None:
            continue
        if ts.tzinfo is not None:
            return ts.astimezone(UTC)
        if name in utc_fields:
            return ts.replace(tzinfo=UTC)
        if fallback is None:
            fallback = ts.replace(tzinfo=UTC)
    return fallback


def to_int(text: str) -> int | None:
    """Decimal or ``0x`` hex (Security logs write pids in hex); None when neither."""
    try:
        value = int(text, 16) if text[:2] in ("0x", "0X") else int(text)
    except ValueError:
        return None
    return value if -(2**63) <= value < 2**63 else None


def basename(path: str) -> str:
    return path.rsplit("\\", 1)[-1].rsplit("/", 1)[-1]


def split_user(text: str) -> tuple[str | None, str]:
    """``DOMAIN\\user`` -> (domain, user); a bare name has no domain."""
    domain, sep, name = text.rpartition("\\")
    return (domain or None, name) if sep else (None, text)


def parse_hashes(text: str) -> dict[str, str]:
    """Sysmon ``SHA1=..,MD5=..,SHA256=..,IMPHASH=..`` -> process hash columns."""
    out: dict[str, str] = {}
    for part in text.split(","):
        algo, sep, digest = part.partition("=")
        column = _HASH_COLUMNS.get(algo.strip().upper())
        if sep and column and digest.strip():
            out[column] = digest.strip().lower()
    return out


def parse_answers(text: str) -> list[str]:
    """Sysmon ``QueryResults`` (``type:  5 cname.example;::ffff:1.2.3.4;``) -> answers."""
    answers = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if part.startswith("type:"):
            part = part.split()[-1]
            if part.isdigit():  # a type with no name after it
                continue
        answers.append(part.removeprefix("::ffff:"))
    return answers


def normalize(fields: dict[str, str], raw: str, offset: int, mapping: WindowsMapping) -> dict[str, Any]:
    """The event dict for one flattened Windows record; raises NotAnEvent without a time."""
    ts = event_time(fields, mapping.time_fields, mapping.utc_fields)
    if ts is None:
        raise NotAnEvent("no parsable time (looked for " + ", ".join(mapping.time_fields) + ")")
    channel = fields.get("Channel") or None
    event_code = fields.get("EventID") or None
    product = mapping.product(channel, fields.get("Provider_Name"))
    kind = mapping.kind(product, event_code)
    event: dict[str, Any] = {
        "time": ts, "source": "windows", "product": product or "windows", "channel": channel,
        "event_code": event_code, "class_uid": kind.class_uid, "class_name": kind.class_name,
        "activity": kind.activity, "auth_outcome": kind.outcome, "offset": offset,
        "fields": fields, "raw": raw,
    }
    level = fields.get("Level")
    if level is not None:
        event["severity"] = mapping.severity.get(level)
    get = fields.get
    for column, sources in kind.plan:
        for name in sources:
            value = get(name)
            if value is not None and value not in _ABSENT:
                break
        else:
            continue
        if column not in _SPECIAL:
            if event.get(column) is None:  # an earlier, more specific column (User) wins
                event[column] = value
        elif column == "user":
            domain, user = split_user(value)
            event["user_name"] = user
            if domain:
                event["user_domain"] = domain
        elif column == "hashes":
            event.update(parse_hashes(value))
        elif column == "dns_answers":
            event["dns_answers"] = parse_answers(value)
        elif column == "dns_rcode":
            event["dns_rcode"] = mapping.dns_status.get(value, value)
        elif column == "protocol":
            event["protocol"] = mapping.protocols.get(value, value.lower())
        elif column == "direction":
            event["direction"] = mapping.directions.get(value, value.lower())
        else:  # an integer column
            number = to_int(value)
            if number is not None:
                event[column] = number
    if "process_path" in event:
        event["process_name"] = basename(event["process_path"])
    if "parent_path" in event:
        event["parent_name"] = basename(event["parent_path"])
    return event
