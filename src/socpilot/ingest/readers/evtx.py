"""Windows EVTX files, read with the ``evtx`` parser (Rust), one record at a time.

A record or chunk the parser cannot read is quarantined with its record number and
the parser's message; the parser then goes on with the next one, so the rest of
the file is kept.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, BinaryIO

import evtx
import orjson

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict, Reader
from socpilot.ingest.windows import NotAnEvent, flatten, load_mapping, normalize

MAGIC = b"ElfFile\x00"
THREADS = 1  # parallelism comes from the worker processes; more threads only contend
SPOOL_IN_MEMORY = 64 << 20


class EvtxReader(Reader):
    source = "windows"
    description = "Windows event log files (.evtx)"

    def sniff(self, name: str, head: bytes) -> bool:
        return head.startswith(MAGIC)

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        plain = inp.plain_path()
        if plain is not None:  # the parser reads (and seeks in) the file itself
            yield from _records(lambda: evtx.PyEvtxParser(str(plain), THREADS))
            return
        # Inside a zip or gzip: the parser must seek, so the file is copied out first
        # (in memory while small, to a temporary file beyond that).
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as copy:
            with inp.open() as stream:
                size, broken = _copy(stream, copy)
            if broken:
                yield Quarantined.of(size, f"compressed stream broken at byte {size} ({broken}); "
                                     "the records before it are read, re-copy the file", b"")
            copy.seek(0)
            yield from _records(lambda: evtx.PyEvtxParser(copy, THREADS))


def _records(open_parser: Callable[[], evtx.PyEvtxParser]) -> Iterator[EventDict | Quarantined]:
    """Every record a parser gives, normalized; the ones it cannot read quarantined."""
    mapping = load_mapping()
    try:
        records = open_parser().records_json()
    except (OSError, RuntimeError, ValueError) as exc:  # the file header itself is damaged
        yield Quarantined.of(0, f"not a readable EVTX file ({exc}); nothing could be read from it", b"")
        return
    index = 0
    while True:
        index += 1
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # the parser's own error type; it resumes at the next record
            yield Quarantined.of(index, f"EVTX record {index} unreadable: {exc}; "
                                 "the other records were kept", b"")
            continue
        raw: str = record["data"]  # type: ignore[index]
        try:
            fields = flatten(orjson.loads(raw))
            yield normalize(fields, raw, index, mapping)
        except (ValueError, NotAnEvent, AttributeError, TypeError, RecursionError) as exc:
            yield Quarantined.of(index, f"EVTX record {index}: {exc}", raw)


def _copy(stream: BinaryIO, into: IO[bytes]) -> tuple[int, str | None]:
    """Copy what a decompressing stream gives before it ends or breaks: bytes copied, and why it broke."""
    size = 0
    read = getattr(stream, "read1", stream.read)  # one underlying read at a time: a break loses nothing
    try:
        for block in iter(lambda: read(1 << 16), b""):
            into.write(block)
            size += len(block)
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        return size, str(exc) or type(exc).__name__
    return size, None
