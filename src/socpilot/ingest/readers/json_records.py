"""JSON inputs, record by record, whatever their layout.

Cloud and identity logs come as JSON lines, as JSON arrays, as CloudTrail's
``{"Records": [...]}`` documents, or as pretty-printed objects one after another.
All of them reach the readers as ``JsonRecord`` items, with the ``raw`` text the
event id is computed from:

- a record on its own line: the line's text (UTF-8, errors replaced, no line ending);
- a record inside an array, a ``Records`` document or a multi-line object:
  ``orjson.dumps(record, option=orjson.OPT_SORT_KEYS)``, so anyone holding the record
  (the demo generator) can compute its id without knowing the file's layout.

Memory stays bounded: JSON lines are read line by line; documents up to 64 MB (a
CloudTrail delivery file is a few MB) are parsed whole, larger ones one element at
a time through a sliding window. A document that is cut short keeps the records
before the cut and quarantines the rest with the character and line of the break.
"""

from __future__ import annotations

import codecs
import io
import itertools
import json
import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from socpilot.ingest.inputs import Input, iter_lines
from socpilot.ingest.quarantine import Quarantined

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A whole CloudTrail delivery file can be one line; a longer one is read as a streamed document.
WHOLE_DOCUMENT_CHARS = 64 << 20  # documents up to this size are parsed whole (fast), larger ones streamed
MAX_ELEMENT_CHARS = 16 << 20  # no single record is this long: past it, the document is damaged
_CHUNK_BYTES = 1 << 20
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
    except (ValueError, RecursionError):  # not JSON, too deep, or a number past Python's digit limit
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


def iter_utf8_lines(inp: Input) -> Generator[tuple[int, bytes] | Quarantined, None, None]:
    """An input's lines as UTF-8, with 1-based numbers: UTF-16 files (PowerShell's
    default export encoding) are re-encoded, a UTF-8 byte-order mark is dropped.

    A line may be as long as a whole CloudTrail delivery file (one line of Records).
    """
    utf16 = inp.head(2).startswith(_UTF16_BOMS)
    with inp.open() as stream:
        if utf16:
            yield from _utf16_lines(stream)
            return
        for item in iter_lines(stream, max_line=WHOLE_DOCUMENT_CHARS):
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
        parsed = None
        if not isinstance(item, Quarantined):
            lineno, line = item
            if not line.strip():
                continue
            try:
                parsed = _loads(line)
            except orjson.JSONDecodeError:
                pass
        if isinstance(parsed, dict | list):
            yield from _line_records(lineno, line, parsed)
            yield from _json_lines(lines)
        else:
            # Not a value per line: a pretty-printed document, or a one-line document too long
            # for a line or cut short (a CloudTrail delivery file). Read it as a document.
            lines.close()
            yield from _document(inp)
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


def _document(inp: Input) -> Iterator[JsonRecord | Quarantined]:
    """The records of a JSON document: parsed whole when it is small, else streamed."""
    chunks = _text_chunks(inp)
    head: list[str] = []
    size = 0
    for chunk in chunks:
        if not isinstance(chunk, str):  # broken: what was read before is all there is
            yield from _scan(iter(["".join(head), chunk]))
            return
        head.append(chunk)
        size += len(chunk)
        if size > WHOLE_DOCUMENT_CHARS:
            yield from _scan(itertools.chain(["".join(head)], chunks))
            return
    text = "".join(head)
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        yield from _scan(iter([text]))
    else:
        items = _records_of(parsed)
        yield from _elements([parsed] if items is None else items, 1, "the JSON document")


def _text_chunks(inp: Input) -> Iterator[str | Quarantined]:
    """An input as text in pieces (UTF-8 or UTF-16 by its byte-order mark), then its break if any.

    Read in small blocks, so a stream that breaks (a truncated gzip) still gives every
    byte before the break.
    """
    encoding = "utf-16" if inp.head(2).startswith(_UTF16_BOMS) else "utf-8-sig"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    pending: list[str] = []
    size = 0
    with inp.open() as stream:
        try:
            while block := stream.read(8192):
                pending.append(decoder.decode(block))
                size += len(block)
                if size >= _CHUNK_BYTES:
                    yield "".join(pending)
                    pending, size = [], 0
        except (EOFError, OSError, zlib.error) as exc:
            yield "".join(pending)
            yield Quarantined(0, f"the stream is broken ({exc}); the records before the break were kept, "
                              "re-export or re-copy the file", b"")
            return
    yield "".join(pending) + decoder.decode(b"", final=True)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _Buffer:
    """A sliding window over a document's text: what is read, and where reading stands in it."""

    def __init__(self, chunks: Iterator[str | Quarantined]) -> None:
        self.chunks = chunks
        self.text = ""
        self.pos = 0
        self.dropped = 0  # characters before ``text`` (already read and let go)
        self.lines = 1  # line number at the start of ``text``
        self.eof = False
        self.broken: Quarantined | None = None

    def more(self) -> bool:
        """Read the next piece, letting go of what is behind ``pos``; False at the end."""
        if self.eof:
            return False
        chunk = next(self.chunks, None)
        if not isinstance(chunk, str):
            self.eof, self.broken = True, chunk
            return False
        self.lines += self.text.count("\n", 0, self.pos)
        self.dropped += self.pos
        self.text, self.pos = self.text[self.pos:] + chunk, 0
        return True

    def skip_ws(self) -> bool:
        """Move past blanks; False when the document ends first."""
        while True:
            self.pos = _skip_ws(self.text, self.pos)
            if self.pos < len(self.text):
                return True
            if not self.more():
                return False

    def where(self) -> str:
        return (f"character {self.dropped + self.pos} "
                f"(line {self.lines + self.text.count(chr(10), 0, self.pos)})")


def _scan(chunks: Iterator[str | Quarantined]) -> Iterator[JsonRecord | Quarantined]:
    """Records of a document, one element at a time, in bounded memory.

    Handles arrays, ``Records`` documents and objects written one after another; a
    document cut short keeps each complete record before the break. A bad stretch
    of concatenated objects is skipped to the next line that opens an object; inside
    an array nothing after it can be trusted, so reading stops there.
    """
    buf = _Buffer(chunks)
    while len(buf.text) < 64 and buf.more():
        pass
    match = RECORDS_PREFIX.match(buf.text)
    in_array = bool(match) or buf.text.lstrip().startswith("[")
    buf.pos = match.end() if match else (buf.text.index("[") + 1 if in_array else 0)
    kind = "the Records document" if match else ("the JSON array" if in_array else "the JSON document")
    count = 0
    while buf.skip_ws():
        if in_array and buf.text[buf.pos] == "]":
            break
        try:
            value, end = _DECODER.raw_decode(buf.text, buf.pos)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, or a number past the digit limit
            if len(buf.text) - buf.pos < MAX_ELEMENT_CHARS and buf.more():
                continue  # most likely an element not yet read whole
            yield _cut(buf, kind, count, getattr(exc, "msg", None) or str(exc) or "nested too deep")
            if in_array or not _next_object(buf):
                break
            continue
        buf.pos = end
        items = [value] if in_array else _records_of(value)
        elements = list(_elements([value] if items is None else items, count + 1, kind))
        count += len(elements)
        yield from elements
        if in_array and buf.skip_ws() and buf.text[buf.pos] == ",":
            buf.pos += 1
    else:
        if in_array:
            yield _cut(buf, kind, count, "it ends before its closing bracket")
    if buf.broken is not None:  # numbered like the records: the one that would have come next
        yield Quarantined(count + 1, buf.broken.reason, buf.broken.head)


def _next_object(buf: _Buffer) -> bool:
    """Skip to the next line that opens an object (``{`` first on its line); False when none does."""
    while (at := buf.text.find("\n{", buf.pos)) < 0:
        buf.pos = max(buf.pos, len(buf.text) - 1)  # keep a last newline: the next piece may start with {
        if not buf.more():
            return False
    buf.pos = at + 1
    return True


def _cut(buf: _Buffer, kind: str, count: int, why: str) -> Quarantined:
    return Quarantined.of(
        count + 1,
        f"{kind} is truncated or invalid at {buf.where()}: {why}; the {count} complete records before it "
        "were kept — re-export or re-download the file",
        buf.text[buf.pos:buf.pos + 256],
    )
