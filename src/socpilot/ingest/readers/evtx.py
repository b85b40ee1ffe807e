"""Windows EVTX files, read with the ``evtx`` parser (Rust), one record at a time.

A record or chunk the parser cannot read is quarantined with its record number and
the parser's message; the parser then goes on with the next one, so the rest of
the file is kept.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

import evtx
import orjson

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict, Reader
from socpilot.ingest.windows import NotAnEvent, flatten, load_mapping, normalize

MAGIC = b"ElfFile\x00"


class EvtxReader(Reader):
    source = "windows"
    description = "Windows event log files (.evtx)"

    def sniff(self, name: str, head: bytes) -> bool:
        return head.startswith(MAGIC)

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        mapping = load_mapping()
        plain = inp.plain_path()
        if plain is not None:  # the parser reads (and seeks in) the file itself
            parser = evtx.PyEvtxParser(str(plain))
        else:  # inside a zip or gzip: the parser must seek, so hold the file in memory
            with inp.open() as stream:
                data, broken = _read_all(stream)
            if broken:
                yield Quarantined.of(len(data), f"compressed stream broken at byte {len(data)} ({broken}); "
                                     "the records before it are read, re-copy the file", b"")
            parser = evtx.PyEvtxParser(io.BytesIO(data))
        records = parser.records_json()
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
            except (orjson.JSONDecodeError, NotAnEvent, AttributeError, TypeError) as exc:
                yield Quarantined.of(index, f"EVTX record {index}: {exc}", raw)


def _read_all(stream: BinaryIO) -> tuple[bytes, str | None]:
    """All bytes a decompressing stream gives before it ends or breaks (and why it broke)."""
    blocks = []
    try:
        for block in iter(lambda: stream.read(1 << 20), b""):
            blocks.append(block)
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        return b"".join(blocks), str(exc) or type(exc).__name__
    return b"".join(blocks), None
