"""Field mappings: which source field fills which ``Event`` column, declared in YAML.

The cloud and identity readers and the generic reader share this one format; a
user writes the same thing for ``socpilot ingest --mapping FILE``::

    source: firewall            # the ``source`` column (default: generic)
    product: acme               # optional
    format: csv                 # csv or json; default from the file name (generic reader)
    delimiter: ","              # csv only
    class: network              # OCSF class label (socpilot.model.ocsf), default base
    class_by:                   # optional: the class from a field's value (a list: first match wins)
      column: action
      match: {login: authentication, "user.*": account_change}   # exact, or prefix*
    time:
      column: ts                # or a list: the first present wins
      format: "%d/%m/%Y %H:%M:%S"   # iso (default), epoch, epoch_ms or a strptime pattern
    columns:                    # source field -> Event field (or a list of Event fields)
      SrcAddr: src_ip
      User: user_name
    values:                     # optional: translate values, per source field and Event field
      Result:                   # ("*" = any other value; "" = ignore, let the next field fill it)
        auth_outcome: {ok: success, denied: failure}
    keys: [eventType]           # optional: more key paths to respell when written in lower case
    json_columns: [Details]     # optional: top-level fields holding JSON text, read as nested fields

Nested JSON fields are named by dotted paths (``userIdentity.arn``); list elements
by the path without an index. A key some export wrote all in lower case
(``eventtype``) is read, and kept in ``fields``, as the mapping spells it
(``eventType``). When several source fields fill one Event field, the one listed
first wins. Values are converted to the Event field's type: ``*_ip``
fields must parse as an IP address (a ``:port`` suffix and leading zeros are
dropped), numbers as numbers, booleans from true/false/yes/no/1/0.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml

from socpilot.model.event import Event
from socpilot.model.ocsf import EventClass

Flat = dict[str, list[str]]

# A record without any time still belongs in the store; the epoch marks it as undated.
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)

_TOP_KEYS = frozenset({"source", "product", "format", "delimiter", "class", "class_by", "time", "columns",
                       "values", "keys", "json_columns"})
# Columns the pipeline or the mapping keys themselves fill.
_RESERVED = frozenset({"id", "time", "source", "raw", "fields", "file", "offset", "class_uid", "class_name",
                       "product"})
_CLASS_BY_LABEL = {c.label: c for c in EventClass}
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"{_OCTET}(\.{_OCTET}){{3}}")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


class MappingError(ValueError):
    """A mapping document that cannot be used; the message says where and why."""


def _kind(annotation: object) -> type:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if isinstance(annotation, types.UnionType) and args else annotation
    origin = typing.get_origin(base)
    return origin if isinstance(origin, type) else base  # type: ignore[return-value]


_EVENT_KINDS: dict[str, type] = {
    name: _kind(hint) for name, hint in typing.get_type_hints(Event).items() if name not in _RESERVED
}


@dataclass(frozen=True)
class ClassRule:
    column: str
    exact: Mapping[str, EventClass]
    prefixes: tuple[tuple[str, EventClass], ...]

    def classify(self, flat: Flat) -> EventClass | None:
        values = flat.get(self.column)
        if not values:
            return None
        value = values[0]
        if value in self.exact:
            return self.exact[value]
        for prefix, cls in self.prefixes:
            if value.startswith(prefix):
                return cls
        return None


@dataclass(frozen=True)
class FieldMapping:
    source: str = "generic"
    product: str | None = None
    format: str | None = None
    delimiter: str = ","
    event_class: EventClass = EventClass.BASE
    class_rules: tuple[ClassRule, ...] = ()
    time_columns: tuple[str, ...] = ()
    time_format: str = "iso"
    candidates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # Event field -> source paths
    # (source path, Event field) -> lower-cased source value -> value
    values: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    canonical: Mapping[str, str] = field(default_factory=dict)  # lower-cased path -> its last key's spelling
    json_columns: frozenset[str] = frozenset()  # lower-cased top-level keys whose text is JSON

    @classmethod
    def from_dict(cls, doc: Any, origin: str) -> FieldMapping:
        """Validate a mapping document; every mistake is a ``MappingError`` naming ``origin``."""
        if not isinstance(doc, dict):
            raise MappingError(f"{origin}: a mapping is a YAML dictionary (source, time, columns, ...)")
        unknown = set(doc) - _TOP_KEYS
        if unknown:
            raise MappingError(f"{origin}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
        for key in ("columns", "values", "time"):
            if not isinstance(doc.get(key) or {}, dict):
                raise MappingError(f"{origin}: {key} is a dictionary")
        candidates: dict[str, list[str]] = {}
        for column, targets in (doc.get("columns") or {}).items():
            for target in _as_list(targets, f"{origin}: columns.{column}"):
                if target not in _EVENT_KINDS:
                    raise MappingError(f"{origin}: columns.{column} maps to {target!r}, which is not an Event "
                                       f"field; known fields: {', '.join(sorted(_EVENT_KINDS))}")
                candidates.setdefault(target, []).append(str(column))
        time = doc.get("time") or {}
        time_columns = tuple(_as_list(time.get("column") or [], f"{origin}: time.column"))
        fmt = doc.get("format")
        if fmt not in (None, "csv", "json"):
            raise MappingError(f"{origin}: format is csv or json, not {fmt!r}")
        values: dict[tuple[str, str], dict[str, str]] = {}
        for column, per_field in (doc.get("values") or {}).items():
            if not isinstance(per_field, dict) or not all(isinstance(t, dict) for t in per_field.values()):
                raise MappingError(f"{origin}: values.{column} maps Event fields to value tables")
            for target, table in per_field.items():
                if str(column) not in candidates.get(target, []):
                    raise MappingError(f"{origin}: values.{column}.{target}: {column} does not fill {target}")
                values[(str(column), target)] = {_key(k).lower(): _key(v) for k, v in table.items()}
        paths = [p for ps in candidates.values() for p in ps] + list(time_columns)
        class_by = doc.get("class_by") or []
        class_rules = tuple(_class_rule(rule, origin) for rule in (class_by if isinstance(class_by, list) else [class_by]))
        paths += [rule.column for rule in class_rules]
        json_columns = _as_list(doc.get("json_columns") or [], f"{origin}: json_columns")
        paths += _as_list(doc.get("keys") or [], f"{origin}: keys") + json_columns
        # every prefix of every known path, keyed by its lower-cased spelling; the first spelling wins
        canonical: dict[str, str] = {}
        for path in paths:
            parts = path.split(".")
            for i in range(1, len(parts) + 1):
                canonical.setdefault(".".join(parts[:i]).lower(), parts[i - 1])
        return cls(
            source=str(doc.get("source") or "generic"),
            product=str(doc["product"]) if doc.get("product") else None,
            format=fmt,
            delimiter=str(doc.get("delimiter") or ","),
            event_class=_class_of(doc.get("class") or "base", origin),
            class_rules=class_rules,
            time_columns=time_columns,
            time_format=str(time.get("format") or "iso"),
            candidates={k: tuple(v) for k, v in candidates.items()},
            values=values,
            canonical=canonical,
            json_columns=frozenset(c.lower() for c in json_columns),
        )

    def time_of(self, flat: Flat) -> datetime | None:
        """The record's time in UTC from the first time column that parses; None when it has
        none; ValueError (the first column's) when none parses."""
        error: ValueError | None = None
        for column in self.time_columns:
            values = flat.get(column)
            if values and values[0]:
                try:
                    return parse_time(values[0], self.time_format)
                except ValueError as exc:
                    error = error or exc
        if error is not None:
            raise error
        return None

    @functools.cached_property
    def _plan(self) -> tuple[tuple[str, type, tuple[tuple[str, Mapping[str, str] | None], ...]], ...]:
        """Per Event field: its type and its source paths with their value tables, looked up once."""
        return tuple((target, _EVENT_KINDS[target], tuple((path, self.values.get((path, target))) for path in paths))
                     for target, paths in self.candidates.items())

    @functools.cached_property
    def _respelled(self) -> frozenset[str]:
        """Lower-cased top-level keys that canonicalizing would change (``eventtype``)."""
        return frozenset(k for k, v in self.canonical.items() if "." not in k and v != k)

    def canonicalize(self, record: dict[str, Any]) -> dict[str, Any]:
        """``canonicalize`` with this mapping's spellings; records whose top-level keys are
        not lower-cased (nearly all) are returned as they are, without walking them."""
        if not any(key in self._respelled for key in record):
            return record
        return canonicalize(record, self.canonical)

    def apply(self, flat: Flat) -> dict[str, Any]:
        """The Event columns this mapping fills from a flattened record (no time, raw or fields)."""
        event: dict[str, Any] = {"product": self.product}
        for target, kind, paths in self._plan:
            for path, table in paths:
                raw_values = flat.get(path)
                if not raw_values:
                    continue
                if table is not None:
                    raw_values = [table.get(v.lower(), table.get("*", v)) for v in raw_values]
                value = coerce(target, kind, raw_values)
                if value is not None:
                    event[target] = value
                    break
        cls = self.event_class
        for rule in self.class_rules:
            found = rule.classify(flat)
            if found is not None:
                cls = found
                break
        event["class_uid"] = int(cls)
        event["class_name"] = cls.label
        return event


def _key(value: Any) -> str:
    """A value-table entry as text; YAML's bare yes/no/true parse as booleans."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _as_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise MappingError(f"{where}: expected a name or a list of names, got {value!r}")


def _class_of(label: Any, origin: str) -> EventClass:
    try:
        return _CLASS_BY_LABEL[str(label)]
    except KeyError:
        raise MappingError(f"{origin}: unknown class {label!r}; known: {', '.join(sorted(_CLASS_BY_LABEL))}") from None


def _class_rule(doc: Any, origin: str) -> ClassRule:
    if not isinstance(doc, dict) or not isinstance(doc.get("column"), str) or not isinstance(doc.get("match"), dict):
        raise MappingError(f"{origin}: class_by needs a column and a match dictionary")
    exact: dict[str, EventClass] = {}
    prefixes: list[tuple[str, EventClass]] = []
    for pattern, label in doc["match"].items():
        cls = _class_of(label, origin)
        if str(pattern).endswith("*"):
            prefixes.append((str(pattern)[:-1], cls))
        else:
            exact[str(pattern)] = cls
    return ClassRule(doc["column"], exact, tuple(prefixes))


def load_mapping(path: str | Path) -> FieldMapping:
    """A user's mapping file, validated."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping ({exc})") from exc
    return FieldMapping.from_dict(doc, str(path))


@functools.cache
def builtin_document(name: str) -> dict[str, Any]:
    """A YAML data file shipped in ``socpilot/ingest/readers/mappings``."""
    text = resources.files("socpilot.ingest.readers").joinpath("mappings", f"{name}.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict), f"mappings/{name}.yaml is not a dictionary"
    return doc


@functools.cache
def builtin_mapping(name: str, section: str = "mapping") -> FieldMapping:
    """The mapping in section ``section`` of a shipped YAML data file."""
    return FieldMapping.from_dict(builtin_document(name)[section], f"mappings/{name}.yaml:{section}")


# -- records ------------------------------------------------------------------

def expand_json(record: dict[str, Any], columns: frozenset[str]) -> dict[str, Any]:
    """The record with JSON text in the named top-level fields parsed (Log Analytics exports
    write nested values as text); text that does not parse stays text."""
    if not columns:
        return record
    out = dict(record)
    for key, value in record.items():
        if key.lower() in columns and isinstance(value, str) and value[:1] in ("{", "["):
            try:
                out[key] = orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
    return out


def canonicalize(value: Any, canonical: Mapping[str, str], path: str = "") -> Any:
    """The record with lower-cased keys spelled as the mapping spells them.

    Some exports (and Panther's tests) lower-case keys (``eventtype``); rules and
    mappings name ``eventType``. Only all-lower-case keys on paths the mapping knows
    are respelled: an unrelated ``name`` deep inside, or a table's own ``OperationName``
    (which rules may name so), stays as it was.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            lowered = f"{path}.{key.lower()}" if path else key.lower()
            spelled = canonical.get(lowered)
            if spelled is None:
                out[key] = item
                continue
            out[spelled if key.islower() else key] = canonicalize(item, canonical, lowered)
        return out
    if isinstance(value, list):
        return [canonicalize(v, canonical, path) for v in value]
    return value


def flatten(record: Mapping[str, Any]) -> Flat:
    """Every scalar of a record under its dotted path; list elements share their list's path."""
    flat: Flat = {}
    _flatten_into(flat, "", record)
    return flat


def _flatten_into(flat: Flat, prefix: str, value: Any) -> None:
    # One call per container, not per value: this runs for every field of every record.
    items = value.items() if type(value) is dict else ((None, v) for v in value)
    for key, item in items:
        path = prefix if key is None else (f"{prefix}.{key}" if prefix else str(key))
        kind = type(item)
        if kind is dict or kind is list:
            _flatten_into(flat, path, item)
        elif item is not None and path:
            text = item if kind is str else _text(item)
            values = flat.get(path)
            if values is None:
                flat[path] = [text]
            else:
                values.append(text)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode() if isinstance(value, float) else str(value)


def source_fields(record: Mapping[str, Any], flat: Flat) -> dict[str, str]:
    """The ``fields`` column: one string per path, plus each top-level object as JSON.

    A path with several values (from a list) holds them as a JSON array; top-level
    objects are kept whole too because rules match on them (``requestParameters``
    contains ...).
    """
    fields = {path: values[0] if len(values) == 1 else orjson.dumps(values).decode()
              for path, values in flat.items()}
    for key, value in record.items():
        if isinstance(value, dict | list) and value and isinstance(key, str) and key not in fields:
            fields[key] = orjson.dumps(value).decode()
    return fields


# -- values -------------------------------------------------------------------

def coerce(target: str, kind: type, values: list[str]) -> Any:
    """A source value converted to an Event field's type; None when it does not convert."""
    if kind is list:
        return [v for v in values if v] or None
    value = values[0].strip()
    if not value:
        return None
    if target.endswith("_ip"):
        return normalize_ip(value)
    if kind is bool:
        lowered = value.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if kind is int:
        try:
            return int(value) if len(value) < 40 else None  # no port, pid or size is longer
        except ValueError:
            return int(float(value)) if _NUMBER.fullmatch(value) else None
    if kind is float:
        return float(value) if _NUMBER.fullmatch(value) else None
    return value


def normalize_ip(value: str) -> str | None:
    """An IP address in canonical form, or None if the text is not one (a host name, "AWS Internal")."""
    text = value.strip()
    if _IPV4.fullmatch(text):  # the common case, without ipaddress's cost
        return text
    candidates = [text]
    if text.startswith("[") and "]" in text:  # [v6]:port
        candidates.append(text[1:text.index("]")])
    elif text.count(":") == 1:  # v4:port
        candidates.append(text.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            parts = candidate.split(".")
            # Anonymised logs write octets with leading zeros ("035.249.253.232").
            if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
                return ".".join(str(int(p)) for p in parts)
    return None


def parse_time(value: str, fmt: str = "iso") -> datetime:
    """A time in UTC: ISO 8601 or epoch numbers ("iso"), "epoch", "epoch_ms" or a strptime pattern.

    Times without an offset are taken as UTC.
    """
    text = value.strip()
    try:
        if fmt == "epoch_ms" or (fmt == "iso" and _NUMBER.fullmatch(text) and float(text) > 1e11):
            parsed = datetime.fromtimestamp(float(text) / 1000, UTC)
        elif fmt == "epoch" or (fmt == "iso" and _NUMBER.fullmatch(text)):
            parsed = datetime.fromtimestamp(float(text), UTC)
        elif fmt == "iso":
            parsed = datetime.fromisoformat(text)
        else:
            parsed = datetime.strptime(text, fmt)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"time {text!r} is out of range") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def first(flat: Flat, paths: Iterable[str]) -> str | None:
    """The first non-empty value among some paths."""
    for path in paths:
        values = flat.get(path)
        if values and values[0]:
            return values[0]
    return None
