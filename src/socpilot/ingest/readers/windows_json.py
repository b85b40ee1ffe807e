"""Windows events as JSON: NXLog/Winlogbeat/Sentinel lines and evtx_dump objects.

Two layouts, told apart from the first bytes:

- JSON lines (OTRF Security-Datasets, Winlogbeat, Sentinel exports): one record a
  line; blank lines are skipped; ``raw`` is the line's text.
- Concatenated objects (``evtx_dump`` output, pretty-printed, no separators, as in
  SigmaHQ's regression data): read with a streaming raw decoder; ``raw`` is the
  record re-serialized with sorted keys.

UTF-16 files (PowerShell's default redirection) are decoded; other bytes that are
not UTF-8 are replaced, so a record with a bad byte is still kept.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from socpilot.ingest.inputs import Input, iter_lines
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict, Reader
from socpilot.ingest.windows import (
    NotAnEvent,
    WindowsMapping,
    flatten,
    load_mapping,
    looks_windows,
    normalize,
)

MAX_OBJECT_CHARS = 16 << 20  # an evtx_dump object larger than this is not a Windows event
_CHUNK_CHARS = 1 << 20
_NOT_SPACE = re.compile(r"\S")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BROKEN = (EOFError, OSError, zlib.error, zipfile.BadZipFile)


def _text_head(head: bytes) -> str:
    if head.startswith(_UTF16_BOMS):
        return head.decode("utf-16", "ignore")
    return head.decode("utf-8", "replace").lstrip("\ufeff")


def _is_lines(text: str) -> bool:
    """JSON lines when the first non-blank line is a whole object."""
    for line in text.splitlines():
        if line.strip():
            return line.rstrip().endswith("}")
    return False


def _first_record(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return None
    try:
        if _is_lines(stripped):
            return orjson.loads(stripped.split("\n", 1)[0])
        return json.JSONDecoder().raw_decode(stripped)[0]
    except (ValueError, orjson.JSONDecodeError):
        return None


class WindowsJsonReader(Reader):
    source = "windows"
    description = "Windows events as JSON: NXLog/Winlogbeat/Sentinel lines, evtx_dump objects"

    def sniff(self, name: str, head: bytes) -> bool:
        text = _text_head(head)
        record = _first_record(text)
        if record is not None:
            return looks_windows(record)
        # An evtx_dump object larger than the head: recognise its opening instead.
        return re.match(r'\s*\{\s*"Event"\s*:\s*\{\s*("#attributes"|"System")', text) is not None

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        mapping = load_mapping()
        head = inp.head()
        utf16 = head.startswith(_UTF16_BOMS)
        with inp.open() as stream:
            if _is_lines(_text_head(head)):
                lines = _utf16_lines(stream) if utf16 else iter_lines(stream)
                yield from _read_lines(lines, mapping)
            else:
                text = io.TextIOWrapper(stream, encoding="utf-16" if utf16 else "utf-8-sig", errors="replace")
                yield from _read_objects(text, mapping)


def _record_event(record: Any, raw: str, offset: int, where: str, mapping: WindowsMapping
                  ) -> EventDict | Quarantined:
    if not isinstance(record, dict):
        return Quarantined.of(offset, f"{where}: not a JSON object", raw)
    try:
        return normalize(flatten(record), raw, offset, mapping)
    except (NotAnEvent, AttributeError, TypeError, ValueError, RecursionError) as exc:
        return Quarantined.of(offset, f"{where}: {exc}", raw)


def _read_lines(lines: Iterator[tuple[int, bytes] | Quarantined], mapping: WindowsMapping
                ) -> Iterator[EventDict | Quarantined]:
    for item in lines:
        if isinstance(item, Quarantined):
            yield item
            continue
        lineno, line = item
        line = line.rstrip(b"\r\n")
        if lineno == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if not line or line.isspace():  # blank; isspace does not copy the line
            continue
        raw = line.decode("utf-8", "replace")
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield Quarantined.of(lineno, f"line {lineno}: invalid JSON ({exc}); the other lines were kept", line)
            continue
        yield _record_event(record, raw, lineno, f"line {lineno}", mapping)


def _utf16_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes] | Quarantined]:
    """Lines of a UTF-16 stream, re-encoded as UTF-8 (what the JSON-lines path reads)."""
    text = io.TextIOWrapper(stream, encoding="utf-16", errors="replace", newline="")
    lineno = 0
    try:
        for lineno, line in enumerate(text, 1):
            yield lineno, line.encode("utf-8")
    except _BROKEN as exc:
        yield Quarantined.of(lineno + 1, f"stream broken after line {lineno} ({exc}); "
                             "the records before it were kept", b"")


def _read_objects(text: io.TextIOBase, mapping: WindowsMapping) -> Iterator[EventDict | Quarantined]:
    """Concatenated JSON objects, streamed: decode one, move on; resync after a bad one."""
    decoder = json.JSONDecoder()
    buf, pos, base, index, eof = "", 0, 0, 0, False

    def more() -> Iterator[Quarantined]:
        nonlocal buf, pos, base, eof
        try:
            chunk = text.read(_CHUNK_CHARS)
        except _BROKEN as exc:
            chunk = ""
            yield Quarantined.of(base + len(buf), f"stream broken at character {base + len(buf)} ({exc}); "
                                 "the objects before it were kept", b"")
        if not chunk:
            eof = True
        buf, base, pos = buf[pos:] + chunk, base + pos, 0

    while True:
        match = _NOT_SPACE.search(buf, pos)
        if match is None:
            if eof:
                return
            pos = len(buf)
            yield from more()
            continue
        pos = match.start()
        try:
            record, end = decoder.raw_decode(buf, pos)
        except (ValueError, RecursionError) as exc:  # RecursionError: hostile nesting
            if not eof and len(buf) - pos <= MAX_OBJECT_CHARS:
                yield from more()  # most likely the object runs past the buffer
                continue
            index += 1
            resume = buf.find("\n{", pos + 1)  # evtx_dump starts every object at a line start
            bad_end = resume + 1 if resume >= 0 else len(buf)
            yield Quarantined.of(index, f"object {index} at character {base + pos}: invalid JSON ({exc}); "
                                 "skipped to the next object", buf[pos:bad_end])
            pos = bad_end
            continue
        index += 1
        raw = orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
        yield _record_event(record, raw, index, f"object {index} at character {base + pos}", mapping)
        pos = end
