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

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from socpilot.ingest.inputs import Input, iter_lines
from socpilot.ingest.quarantine import Quarantined

_BOM = b"\xef\xbb\xbf"
RECORDS_PREFIX = re.compile(r'\s*\{\s*"Records"\s*:\s*\[')
_DECODER = json.JSONDecoder()
# Panther's rule-test wrapper: {"rule_id", "test_name", "expected_result", "log_type", "log"}.
_PANTHER_KEYS = frozenset({"rule_id", "log_type", "log"})


@dataclass(frozen=True)
class JsonRecord:
    offset: int  # line number for JSON lines, 1-based record index inside a document
    record: dict[str, Any]
    raw: str


def canonical_raw(record: dict[str, Any]) -> str:
    """The ``raw`` text of a record that did not have a line of its own."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


def unwrap_panther(record: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The vendor record inside a Panther test wrapper, and the wrapper's log type."""
    if _PANTHER_KEYS <= record.keys() and isinstance(record["log"], dict):
        log_type = record.get("log_type")
        return record["log"], log_type if isinstance(log_type, str) else None
    return record, None


def first_record(head: bytes) -> dict[str, Any] | None:
    """The first JSON object of an input's first bytes, for sniffing; None if there is none."""
    text = head.removeprefix(_BOM).decode("utf-8", "replace").lstrip()
    if not text.startswith(("{", "[")):
        return None
    line = text.split("\n", 1)[0]
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        parsed = None
    if parsed is None:
        parsed = _first_in_document(text)
    items = _expand(parsed)
    return items[0] if items else None


def _first_in_document(text: str) -> Any:
    match = RECORDS_PREFIX.match(text)
    pos = match.end() if match else (text.index("[") + 1 if text.startswith("[") else 0)
    pos = _skip_ws(text, pos)
    try:
        return _DECODER.raw_decode(text, pos)[0]
    except json.JSONDecodeError:
        return None


def _expand(parsed: Any) -> list[dict[str, Any]]:
    """The records a parsed value holds: itself, a ``Records`` list, or an array's objects."""
    if isinstance(parsed, dict):
        records = parsed.get("Records")
        if isinstance(records, list):  # a CloudTrail delivery file
            return [r for r in records if isinstance(r, dict)]
        return [parsed]
    if isinstance(parsed, list):
        return [r for r in parsed if isinstance(r, dict)]
    return []


def _loads(line: bytes) -> Any:
    """Parse one line; invalid UTF-8 is replaced rather than costing the record."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return orjson.loads(line.decode("utf-8", "replace"))


def iter_json_records(inp: Input) -> Iterator[JsonRecord | Quarantined]:
    """Every JSON object of an input, in order, with bad lines and cut documents quarantined."""
    with inp.open() as stream:
        lines = iter_lines(stream)
        for item in lines:
            if isinstance(item, Quarantined):
                yield item
                return
            lineno, line = item
            if lineno == 1:
                line = line.removeprefix(_BOM)
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
    if isinstance(parsed, dict) and not isinstance(parsed.get("Records"), list):
        yield JsonRecord(lineno, parsed, line.rstrip(b"\r\n").decode("utf-8", "replace"))
        return
    records = _expand(parsed)
    if not records:
        yield Quarantined.of(lineno, f"line {lineno} holds no JSON object; skipped, the other lines were kept",
                             line)
    for record in records:  # a one-line array or Records document: records have no line of their own
        yield JsonRecord(lineno, record, canonical_raw(record))


def _json_lines(lines: Iterator[tuple[int, bytes] | Quarantined]) -> Iterator[JsonRecord | Quarantined]:
    for item in lines:
        if isinstance(item, Quarantined):
            yield item
            return
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
    broken: Quarantined | None = None
    for item in lines:
        if isinstance(item, Quarantined):
            broken = item
            break
        chunks.append(item[1])
    data = b"".join(chunks)
    try:
        records = _expand(orjson.loads(data))
    except orjson.JSONDecodeError:
        yield from _salvage(data.decode("utf-8", "replace"))
    else:
        for index, record in enumerate(records, 1):
            yield JsonRecord(index, record, canonical_raw(record))
    if broken is not None:
        yield broken


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
        except json.JSONDecodeError as exc:
            yield _cut(text, pos, kind, count, exc.msg)
            return
        for record in _expand(value):
            count += 1
            yield JsonRecord(count, record, canonical_raw(record))
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
