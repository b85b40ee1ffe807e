"""Zeek logs: TSV with its ``#`` header blocks, and JSON (stock or RockNSM style), every log type.

Both formats become the same event: ``fields`` holds the record under Zeek's own
dotted names (what Sigma's zeek rules name) as text, and the columns of
``socpilot.model.Event`` are filled by the per-log-type mapping in ``zeek.yaml``.
Field text follows one convention whatever the format, so a TSV log and its JSON
twin give the same values: booleans ``true``/``false``, times (``ts``, and TSV
``time`` columns) as Zeek's JSON ISO text, floats with Zeek's six decimals, sets and
vectors joined with ``,``, escapes undone, unset fields absent, empty ones ``''``.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import orjson
import yaml

from socpilot.ingest.inputs import Input, iter_lines
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict, Reader
from socpilot.model.event import Event
from socpilot.model.ocsf import EventClass

Fields = dict[str, str]
Lists = dict[str, list[str]]


@cache
def _mapping() -> dict[str, Any]:
    text = resources.files("socpilot.ingest.readers").joinpath("zeek.yaml").read_text(encoding="utf-8")
    return typing.cast(dict[str, Any], yaml.safe_load(text))


# -- field text ------------------------------------------------------------------

_ESCAPE = re.compile(rb"\\(\\|x[0-9a-fA-F]{2})")
# Control characters Zeek's JSON writer shows as \xHH text (it keeps \b \f \n \r \t).
_CONTROL = re.compile("[\x00-\x07\x0b\x0e-\x1f\x7f]")


def _unescape_match(m: re.Match[bytes]) -> bytes:
    token = m.group(1)
    return b"\\" if token == b"\\" else bytes([int(token[1:], 16)])


def unescape(value: str) -> str:
    """Undo the Zeek ASCII writer's escaping (``\\\\`` and ``\\xHH`` bytes).

    Bytes that are not UTF-8, and control characters, stay visible as ``\\xHH``, as
    Zeek's JSON writer shows them, so both formats give the same text.
    """
    if "\\" not in value:
        return value
    data = _ESCAPE.sub(_unescape_match, value.encode("utf-8", "surrogateescape"))
    text = data.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def json_text(value: Any) -> str:
    """A JSON value as field text, in the TSV writer's convention (see module docstring)."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, dict | list):
        return nested_text(value)
    return str(value)


def nested_text(value: Any) -> str:
    """An object or array kept whole as JSON text; hostile nesting must not stop the input."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return "(nested too deep to show here; the record's raw text has it)"


def parse_time(value: Any) -> datetime | None:
    """Zeek ``time`` as epoch seconds (TSV text, JSON number) or ISO 8601 text, in UTC.

    JSON numbers beyond 1e11 are milliseconds (``LogAscii::json_timestamps=JSON::TS_MILLIS``).
    """
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        if isinstance(value, str) and value:
            if "T" in value or value.count("-") >= 2:
                parsed = datetime.fromisoformat(value)
                return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _epoch(value: str) -> datetime | None:
    """TSV ``time`` text: epoch seconds, the one layout the ASCII writer uses."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return parse_time(unescape(value))


def _real_text(value: str) -> str:
    """TSV double/interval text, with the writer's exponent form (``4.294967296e+09``) in full as JSON has it."""
    if "e" not in value:
        return value
    number = _to_float(value)
    return value if number is None else json_text(number)


def _open_time(value: str) -> datetime | None:
    """The ``#open`` header (``2024-04-12-19-29-12``): when the log file was started."""
    try:
        return datetime.strptime(value, "%Y-%m-%d-%H-%M-%S").replace(tzinfo=UTC)
    except ValueError:
        return None


# -- the per-log-type mapping ------------------------------------------------------

def _to_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except (ValueError, OverflowError):
            return None


def _to_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _outcome(text: str) -> str | None:
    lowered = text.lower()
    if lowered in ("true", "t", "success"):
        return "success"
    if lowered in ("false", "f", "failure"):
        return "failure"
    return None


def _principal_user(text: str) -> str | None:
    user, slash, _ = text.rpartition("/")  # the realm follows the last "/": host/name/REALM
    return (user if slash else text) or None


def _principal_realm(text: str) -> str | None:
    _, slash, realm = text.rpartition("/")
    return realm if slash and realm else None


_TRANSFORMS: dict[str, Callable[[str], Any]] = {
    "outcome": _outcome,
    "principal_user": _principal_user,
    "principal_realm": _principal_realm,
}


@cache
def _column_type(column: str) -> Any:
    """The Event column's type without its ``None``: ``int``, ``str``, ``list[str]`` ..."""
    hint = typing.get_type_hints(Event)[column]
    return next((a for a in typing.get_args(hint) if a is not type(None)), hint)


def column_converter(column: str) -> Callable[[str], Any]:
    """Text to the Event column's type."""
    base = _column_type(column)
    if base is int:
        return _to_int
    if base is float:
        return _to_float
    return str


@dataclass(frozen=True)
class ColumnRule:
    """Fill ``column`` from the Zeek field ``source`` through ``convert``."""

    column: str
    source: str
    convert: Callable[[str], Any]
    is_list: bool = False


@dataclass(frozen=True)
class LogSpec:
    path: str | None
    class_uid: int
    class_name: str
    activity: str | None
    constants: dict[str, Any]
    rules: tuple[ColumnRule, ...]
    url: tuple[str, str] | None


def _rule(column: str, spec: str | dict[str, str]) -> ColumnRule:
    if isinstance(spec, str):
        return ColumnRule(column, spec, column_converter(column), typing.get_origin(_column_type(column)) is list)
    return ColumnRule(column, spec["field"], _TRANSFORMS[spec["as"]])


@cache
def log_spec(path: str | None) -> LogSpec:
    """How records of one Zeek log type (``#path``) normalize; unknown types are ``BASE``."""
    mapping = _mapping()
    entry = mapping["logs"].get(path or "", {})
    cls = EventClass[entry.get("class", "BASE")]
    columns = {**mapping["common"], **entry.get("map", {})}
    url = entry.get("url")
    return LogSpec(path, int(cls), cls.label, entry.get("activity"), dict(entry.get("set", {})),
                   tuple(_rule(c, s) for c, s in columns.items()), tuple(url) if url else None)


@cache
def headerless_layouts(path: str | None) -> dict[int, tuple[tuple[str, str], ...]]:
    """Stock ``(name, type)`` layouts of a log type, by their number of columns."""
    layouts = _mapping()["headerless"].get(path or "", [])
    parsed = [tuple(tuple(item.rsplit(":", 1)) for item in layout.split()) for layout in layouts]
    return {len(layout): layout for layout in parsed}


def _known_paths() -> list[str]:
    return sorted(_mapping()["logs"], key=len, reverse=True)


def path_from_name(name: str) -> str | None:
    """The log type a file name implies.

    ``conn.log``, ``dns.15:00:00-16:00:00.log``, ``NASHUA_conn.log``, ``ORIGINALdns.log`` (the
    name ends with it), else ``conn_top.log`` (it starts the name); longest known name first.
    """
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0].lower()
    paths = _known_paths()
    return next((p for p in paths if stem.endswith(p)), None) or \
        next((p for p in paths if stem.startswith((p + "_", p + "-"))), None)


def _direction(fields: Fields) -> str | None:
    local_orig, local_resp = fields.get("local_orig"), fields.get("local_resp")
    if local_orig is None or local_resp is None:
        return None
    return {("true", "true"): "lateral", ("true", "false"): "outbound",
            ("false", "true"): "inbound"}.get((local_orig, local_resp))


def _url(fields: Fields, host_field: str, uri_field: str) -> str | None:
    uri = fields.get(uri_field)
    if not uri:
        return None
    host = fields.get(host_field)
    return host + uri if host and uri.startswith("/") else uri


def normalize(spec: LogSpec, fields: Fields, lists: Lists, time: datetime,
              raw: str, offset: int) -> EventDict:
    """One Zeek record, already as field text, into an event dict."""
    event: EventDict = {
        "time": time, "product": "zeek", "channel": spec.path, "class_uid": spec.class_uid,
        "class_name": spec.class_name, "activity": spec.activity, "offset": offset,
        "fields": fields, "raw": raw, **spec.constants,
    }
    for rule in spec.rules:
        if rule.is_list:
            items = lists.get(rule.source)
            if items is not None:
                event[rule.column] = items
            continue
        text = fields.get(rule.source)
        if text is None or text == "":
            continue
        value = rule.convert(text)
        if value is not None:
            event[rule.column] = value
    if spec.url is not None:
        url = _url(fields, *spec.url)
        if url:
            event["http_url"] = url
    direction = _direction(fields)
    if direction:
        event["direction"] = direction
    return event


# -- TSV -----------------------------------------------------------------------------

_PLAIN, _BOOL, _LIST, _TIME, _REAL = 0, 1, 2, 3, 4


_KINDS = {"bool": _BOOL, "time": _TIME, "double": _REAL, "interval": _REAL}


def iso_time(value: datetime) -> str:
    """A time as Zeek's JSON writer prints it (ISO 8601, microseconds, ``Z``)."""
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass
class TsvHeader:
    """What the ``#`` lines of a TSV log have declared so far; a file may hold several blocks."""

    separator: str = "\t"
    set_separator: str = ","
    empty: str = "(empty)"
    unset: str = "-"
    path: str | None = None
    opened: datetime | None = None
    names: list[str] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    assumed: bool = False  # no header was met: names and kinds are a stock layout

    def apply(self, line: str) -> None:
        """Take one ``#`` line into account (``#close`` and unknown ones change nothing)."""
        if line.startswith("#separator"):
            # The one header whose value is itself escaped, and separated by a space.
            self.separator = unescape(line[len("#separator"):].strip()) or "\t"
            return
        key, _, value = line[1:].partition(self.separator)
        if key == "set_separator":
            self.set_separator = unescape(value) or ","  # an empty one cannot split anything
        elif key == "empty_field":
            self.empty = value
        elif key == "unset_field":
            self.unset = value
        elif key == "path":
            self.path = value
        elif key == "open":
            self.opened = _open_time(value)
        elif key == "fields":
            self.assumed = False
            self.names = value.split(self.separator)
            self.kinds = [_PLAIN] * len(self.names)
        elif key == "types":
            self._types(value.split(self.separator))

    def _types(self, types: list[str]) -> None:
        kinds = [_KINDS.get(t, _LIST if t.startswith(("set[", "vector[")) else _PLAIN) for t in types]
        # A #types line that does not match #fields must not cost columns: the rest read as text.
        self.kinds = (kinds + [_PLAIN] * len(self.names))[: len(self.names)]

    def assume(self, path: str | None, text: str) -> bool:
        """Take the stock layout of ``path`` that fits a data line met before any header."""
        layout = headerless_layouts(path).get(len(text.split(self.separator)))
        if layout is None:
            return False
        self.path, self.assumed = path, True
        self.names = [name for name, _ in layout]
        self._types([typ for _, typ in layout])
        return True

    def record(self, text: str) -> tuple[Fields, Lists, datetime | None] | str:
        """The fields of one data line and its parsed ``ts``, or why it cannot be read."""
        values = text.split(self.separator)
        if len(values) != len(self.names):
            declared = f"the stock {self.path} layout has" if self.assumed else "#fields declares"
            return f"{len(values)} columns where {declared} {len(self.names)}"
        fields: Fields = {}
        lists: Lists = {}
        ts: datetime | None = None
        unset, empty = self.unset, self.empty
        for name, kind, value in zip(self.names, self.kinds, values, strict=False):
            if value == unset:
                continue
            if kind == _PLAIN and value != empty:  # most columns: checked first
                fields[name] = unescape(value) if "\\" in value else value
            elif value == empty:
                fields[name] = ""
                if kind == _LIST:
                    lists[name] = []
            elif kind == _BOOL:
                fields[name] = "true" if value == "T" else "false" if value == "F" else value
            elif kind == _REAL:
                fields[name] = _real_text(value)
            elif kind == _TIME:
                parsed = _epoch(value)
                fields[name] = iso_time(parsed) if parsed else unescape(value)
                if name == "ts":
                    ts = parsed
            else:
                items = value.split(self.set_separator)
                if "\\" in value:
                    items = [unescape(v) for v in items]
                lists[name] = items
                fields[name] = ",".join(items)
        return fields, lists, ts


# -- JSON ----------------------------------------------------------------------------

@cache
def rocknsm_dotted(path: str | None) -> dict[str, str]:
    """``prefix_`` -> ``prefix.`` for the RockNSM names of one log type whose ``_`` was Zeek's ``.``."""
    spec = _mapping()["rocknsm_dotted_prefixes"]
    return {f"{p}_": f"{p}." for p in [*spec["all"], *spec.get(path or "", [])]}


def _dotted(key: str, dotted: dict[str, str]) -> str:
    head = key[: key.find("_") + 1]
    return dotted[head] + key[len(head):] if head in dotted else key


def json_record(record: dict[str, Any], dotted: dict[str, str]) -> tuple[Fields, Lists]:
    """A Zeek JSON object as field text, RockNSM names (``id_orig_h``) renamed by ``dotted``."""
    fields: Fields = {}
    lists: Lists = {}
    for key, value in (record.items() if not dotted else ((_dotted(k, dotted), v) for k, v in record.items())):
        if type(value) is str:  # most values: the common case first
            fields[key] = value
        elif value is None:
            continue
        elif isinstance(value, list):
            items = [json_text(v) for v in value]
            lists[key] = items
            fields[key] = ",".join(items)
        elif isinstance(value, dict):
            for sub, sub_value in value.items():  # nested records, where a writer kept them
                if sub_value is not None:
                    fields[f"{key}.{sub}"] = json_text(sub_value)
        else:
            fields[key] = json_text(value)
    return fields, lists


def _json_path(record: dict[str, Any], fallback: str | None) -> str | None:
    path = record.get("_path") or record.get("@stream")
    return path if isinstance(path, str) else fallback


def _is_zeek_json(record: dict[str, Any], name: str) -> bool:
    if "_path" in record and ("ts" in record or "_write_ts" in record):
        return True
    if "@stream" in record and record.get("@proc", "zeek") == "zeek":
        return True
    if "uid" in record and ("id.orig_h" in record or "id_orig_h" in record):
        return True
    return "ts" in record and path_from_name(name) is not None


# -- the reader ------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"  # what Windows editors put before a file they save


def head_records(head: bytes, limit: int = 5) -> Iterator[dict[str, Any]]:
    """The JSON objects on the first lines of an input's head, for sniffing.

    A broken line is skipped rather than deciding for the file: one damaged first
    record must not leave the rest unrecognised.
    """
    lines = head.removeprefix(_BOM).split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the head may end inside a line
    for line in [line for line in lines if line.strip()][:limit]:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(record, dict):
            yield record



# Epoch ts then a connection uid: a Zeek TSV record even without its header.
_HEADERLESS_LINE = re.compile(rb"\d{9,10}\.\d{6}\tC[A-Za-z0-9]{9,20}\t")


class ZeekReader(Reader):
    source = "zeek"
    description = "Zeek logs: TSV (#fields headers) or JSON lines (stock or RockNSM), every log type"

    def sniff(self, name: str, head: bytes) -> bool:
        head = head.removeprefix(_BOM)
        if head.startswith((b"#separator", b"#fields\t")):
            return True
        first = head.lstrip().split(b"\n", 1)[0].strip()
        if _HEADERLESS_LINE.match(first):  # a log whose header was cut off
            return bool(headerless_layouts(path_from_name(name)))
        return first.startswith(b"{") and any(_is_zeek_json(r, name) for r in head_records(head))

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        name_path = path_from_name(inp.name)
        header = TsvHeader()
        spec = log_spec(name_path)
        with inp.open() as stream:
            for item in iter_lines(stream):
                if isinstance(item, Quarantined):  # an overlong line, or where the stream broke
                    yield item
                    continue
                lineno, line = item
                raw = line.rstrip(b"\r\n").decode("utf-8", "replace").removeprefix("\ufeff")
                if not raw.strip():
                    continue
                if raw.startswith("#"):
                    header.apply(raw)
                    spec = log_spec(header.path or name_path)
                    continue
                if raw.startswith("{"):
                    result = self._json_line(raw, lineno, name_path)
                else:
                    if not header.names and header.assume(name_path, raw):
                        spec = log_spec(name_path)
                    result = self._tsv_line(raw, lineno, header, spec)
                if isinstance(result, Quarantined):  # keep the line's own bytes, not their decoding
                    result = Quarantined.of(result.offset, result.reason, line.rstrip(b"\r\n"))
                yield result

    @staticmethod
    def _tsv_line(raw: str, lineno: int, header: TsvHeader, spec: LogSpec) -> EventDict | Quarantined:
        if not header.names:
            return Quarantined.of(lineno, f"line {lineno}: Zeek TSV data before any #fields header", raw)
        parsed = header.record(raw)
        if isinstance(parsed, str):
            return Quarantined.of(lineno, f"line {lineno}: {parsed}; the line is cut or not of this log", raw)
        fields, lists, ts = parsed
        time = ts or parse_time(fields.get("ts")) or header.opened
        if time is None:
            return Quarantined.of(lineno, f"line {lineno}: no usable ts and no #open header", raw)
        return normalize(spec, fields, lists, time, raw, lineno)

    @staticmethod
    def _json_line(raw: str, lineno: int, name_path: str | None) -> EventDict | Quarantined:
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Quarantined.of(lineno, f"line {lineno}: invalid JSON ({exc})", raw)
        if not isinstance(record, dict):
            return Quarantined.of(lineno, f"line {lineno}: a JSON {type(record).__name__}, not a Zeek record", raw)
        ts = parse_time(record.get("ts"))
        # Without ts (loaded_scripts), the writer's time; a log shipper's @timestamp last.
        time = ts or parse_time(record.get("_write_ts")) or parse_time(record.get("@timestamp"))
        if time is None:
            return Quarantined.of(lineno, f"line {lineno}: Zeek record without a usable ts", raw)
        path = _json_path(record, name_path)
        fields, lists = json_record(record, rocknsm_dotted(path) if "@stream" in record else {})
        if ts is not None:  # epoch-number ts (RockNSM) as the ISO text the other layouts have
            fields["ts"] = iso_time(ts)
        return normalize(log_spec(path), fields, lists, time, raw, lineno)
