"""JSON inputs, record by record, whatever their layout.

Cloud and identity logs come as JSON lines, as JSON arrays, as CloudTrail's
``{"Records": [...]}`` documents, or as pretty-printed objects one after another.
All of them reach the readers as ``JsonRecord`` items, with the ``raw`` text the
event id is computed from:

- a record on its own line: the line's text (UTF-8, errors replaced, no line ending);
- a record inside an array, a ``Records`` document or a multi-line object:
  ``orjson.dumps(record, option=orjson.OPT_SORT_KEYS)``, so anyone holding the record
  (the demo generator) can compute its id without knowing the file's layout.

JSON lines stream with bounded memory. Documents are parsed whole (CloudTrail
delivers them in files of a few MB); a document that is cut short keeps the
records before the cut and quarantines the rest with the byte and line of the break.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from socpilot.ingest.inputs import Input, iter_lines
from socpilot.ingest.quarantine import Quarantined

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A whole CloudTrail delivery file can be one line; beyond this a "line" is damage.
MAX_DOCUMENT_BYTES = 256 << 20
RECORDS_PREFIX = re.compile(r'\s*\{\s*"Records"\s*:\s*\[')
_DECODER = json.JSONDecoder()
# Panther's rule-test wrapper: {"rule_id", "test_name", "expected_result", "log_type", "log"}.
_PANTHER_KEYS = frozenset({"rule_id", "log_type", "log"})
_EVENTBRIDGE_KEYS = frozenset({"detail-type", "source", "detail"})


@dataclass(frozen=True)
class JsonRecord:
    offset: int  # line number for JSON lines, 1-based record index inside a document
    record: dict[str, Any]
    raw: str


def canonical_raw(record: dict[str, Any]) -> str:
    """The ``raw`` text of a record that did not have a line of its own."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


def unwrap(record: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The vendor record inside an envelope, and the envelope's log type if it names one.

    Envelopes: Panther's rule-test wrapper (its ``log_type``), and Amazon EventBridge
    events (``{"detail-type", "source", "detail": {...}}``, how CloudTrail and Okta
    events reach a bus). Any other record is its own vendor record.
    """
    if _PANTHER_KEYS <= record.keys() and isinstance(record["log"], dict):
        log_type = record.get("log_type")
        return record["log"], log_type if isinstance(log_type, str) else None
    if _EVENTBRIDGE_KEYS <= record.keys() and isinstance(record["detail"], dict):
        return record["detail"], None
    return record, None


def first_record(head: bytes) -> dict[str, Any] | None:
    """The first JSON object of an input's first bytes, for sniffing; None if there is none."""
    text = _decode_head(head).lstrip()
    if not text.startswith(("{", "[")):
        return None
    try:
        parsed = orjson.loads(text.split("\n", 1)[0])
    except orjson.JSONDecodeError:
        parsed = _first_in_document(text)
    items = _records_of(parsed)
    first = parsed if items is None else next(iter(items), None)
    return first if isinstance(first, dict) else None


def _decode_head(head: bytes) -> str:
    if head.startswith(_UTF16_BOMS):
        return head.decode("utf-16", "replace")
    return head.removeprefix(_BOM).decode("utf-8", "replace")


def _first_in_document(text: str) -> Any:
    match = RECORDS_PREFIX.match(text)
    pos = match.end() if match else (text.index("[") + 1 if text.startswith("[") else 0)
    pos = _skip_ws(text, pos)
    try:
        return _DECODER.raw_decode(text, pos)[0]
    except json.JSONDecodeError:
        return None


def _records_of(parsed: Any) -> list[Any] | None:
    """The elements of a container of records (a Records document, an array); None for one record."""
    if isinstance(parsed, dict):
        records = parsed.get("Records")  # a CloudTrail delivery file
        return records if isinstance(records, list) else None
    return parsed if isinstance(parsed, list) else []


def _elements(items: list[Any], first_index: int, where: str) -> Iterator[JsonRecord | Quarantined]:
    for index, item in enumerate(items, first_index):
        if isinstance(item, dict):
            yield JsonRecord(index, item, canonical_raw(item))
        else:
            yield Quarantined.of(index, f"{where}: element {index} is not a JSON object; skipped, the other "
                                 "records were kept", orjson.dumps(item))


def _loads(line: bytes) -> Any:
    """Parse one line; invalid UTF-8 is replaced rather than costing the record."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return orjson.loads(line.decode("utf-8", "replace"))


def iter_utf8_lines(inp: Input) -> Iterator[tuple[int, bytes] | Quarantined]:
    """An input's lines as UTF-8, with 1-based numbers: UTF-16 files (PowerShell's
    default export encoding) are re-encoded, a UTF-8 byte-order mark is dropped.

    A line may be as long as a whole CloudTrail delivery file (one line of Records).
    """
    utf16 = inp.head(2).startswith(_UTF16_BOMS)
    with inp.open() as stream:
        if utf16:
            yield from _utf16_lines(stream)
            return
        for item in iter_lines(stream, max_line=MAX_DOCUMENT_BYTES):
            if not isinstance(item, Quarantined) and item[0] == 1:
                item = (1, item[1].removeprefix(_BOM))
            yield item


def _utf16_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes] | Quarantined]:
    text = io.TextIOWrapper(stream, encoding="utf-16", errors="replace", newline="")
    lineno = 0
    try:
        for line in text:
            lineno += 1
            yield lineno, line.encode("utf-8", "surrogatepass")
    except (EOFError, OSError, zlib.error) as exc:
        yield Quarantined(lineno + 1, f"stream is broken after line {lineno} ({exc}); the records before it "
                          "were kept, re-export or re-copy the file", b"")


def iter_json_records(inp: Input) -> Iterator[JsonRecord | Quarantined]:
    """Every JSON object of an input, in order, with bad lines and cut documents quarantined."""
    lines = iter_utf8_lines(inp)
    for item in lines:
        if isinstance(item, Quarantined):
            # Broken before the first line ended: a one-line document (a CloudTrail delivery
            # file) cut short. Its bytes up to the break still hold whole records.
            data = inp.head(MAX_DOCUMENT_BYTES)
            if len(data) < MAX_DOCUMENT_BYTES and data.strip():
                yield from _salvage(data.removeprefix(_BOM).decode("utf-8", "replace"))
            yield item
            continue
        lineno, line = item
        if not line.strip():
            continue
        try:
            parsed = _loads(line)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict | list):
            yield from _line_records(lineno, line, parsed)
            yield from _json_lines(lines)
        else:  # the first line is not a whole value: a multi-line document
            yield from _document(line, lines)
        return


def _line_records(lineno: int, line: bytes, parsed: Any) -> Iterator[JsonRecord | Quarantined]:
    items = _records_of(parsed)
    if items is None:
        yield JsonRecord(lineno, parsed, line.rstrip(b"\r\n").decode("utf-8", "replace"))
    elif not items:
        yield Quarantined.of(lineno, f"line {lineno} holds no JSON object; skipped, the other lines were kept",
                             line)
    else:  # a one-line array or Records document: its records have no line of their own
        yield from _elements(items, 1, f"line {lineno}")


def _json_lines(lines: Iterator[tuple[int, bytes] | Quarantined]) -> Iterator[JsonRecord | Quarantined]:
    for item in lines:
        if isinstance(item, Quarantined):
            yield item
            continue
        lineno, line = item
        if not line.strip():
            continue
        try:
            parsed = _loads(line)
        except orjson.JSONDecodeError as exc:
            yield Quarantined.of(lineno, f"line {lineno} is not valid JSON ({exc}); skipped, the other lines "
                                 "were kept", line)
            continue
        yield from _line_records(lineno, line, parsed)


def _document(first: bytes, lines: Iterator[tuple[int, bytes] | Quarantined]) -> Iterator[JsonRecord | Quarantined]:
    chunks = [first]
    problems: list[Quarantined] = []
    for item in lines:
        if isinstance(item, Quarantined):
            problems.append(item)
        else:
            chunks.append(item[1])
    data = b"".join(chunks)
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        yield from _salvage(data.decode("utf-8", "replace"))
    else:
        items = _records_of(parsed)
        yield from _elements([parsed] if items is None else items, 1, "the JSON document")
    yield from problems


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _salvage(text: str) -> Iterator[JsonRecord | Quarantined]:
    """Records of a document that does not parse whole: keep each complete one before the break.

    Handles arrays and ``Records`` documents cut short, and objects written one after
    another (pretty-printed, not one per line).
    """
    match = RECORDS_PREFIX.match(text)
    in_array = bool(match) or text.lstrip().startswith("[")
    pos = match.end() if match else (text.index("[") + 1 if in_array else 0)
    kind = "the Records document" if match else ("the JSON array" if in_array else "the JSON document")
    count = 0
    while True:
        pos = _skip_ws(text, pos)
        if pos >= len(text) or (in_array and text[pos] == "]"):
            if in_array and pos >= len(text):
                yield _cut(text, pos, kind, count, "it ends before its closing bracket")
            return
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield _cut(text, pos, kind, count, getattr(exc, "msg", "nested too deep"))
            return
        items = _records_of(value) if not in_array else [value]
        elements = list(_elements([value] if items is None else items, count + 1, kind))
        count += len(elements)
        yield from elements
        pos = _skip_ws(text, pos)
        if in_array and pos < len(text) and text[pos] == ",":
            pos += 1


def _cut(text: str, pos: int, kind: str, count: int, why: str) -> Quarantined:
    line = text.count("\n", 0, pos) + 1
    return Quarantined.of(
        count + 1,
        f"{kind} is truncated or invalid at character {pos} (line {line}): {why}; the {count} complete "
        "records before it were kept, the rest is lost — re-export or re-download the file",
        text[pos:pos + 256],
    )
