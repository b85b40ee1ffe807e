"""Generic JSON and CSV logs, normalized by a field mapping the user writes (``--mapping FILE``).

The mapping format is the one the built-in readers use (see ``field_mapping``):
source name, time field and format, source field -> Event field. Every source
field, mapped or not, stays in ``fields``. CSV files have a header line and one
record per line (quoted separators are fine, quoted line breaks are not); UTF-8 or,
as PowerShell exports them, UTF-16.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict
from socpilot.ingest.readers.field_mapping import FieldMapping, builtin_mapping
from socpilot.ingest.readers.json_records import JsonRecord, iter_utf8_lines
from socpilot.ingest.readers.mapped_json import MappedJsonReader

_CSV_SUFFIXES = (".csv", ".tsv")


class GenericReader(MappedJsonReader):
    description = "JSON lines, JSON arrays or CSV with a user-supplied field mapping (--mapping FILE)"
    strict_time = True

    def __init__(self, mapping: FieldMapping | None = None) -> None:
        self.mapping = mapping or builtin_mapping("generic")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.mapping,))

    @property
    def source(self) -> str:  # type: ignore[override]
        """The mapping's source name: what the events are stored and reported under."""
        return self.mapping.source

    def sniff(self, name: str, head: bytes) -> bool:
        # Never guessed: any JSON or CSV would match. Chosen by --source generic or --mapping.
        return False

    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        return self.mapping

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        is_csv = self.mapping.format == "csv" or (
            self.mapping.format is None and inp.name.lower().endswith(_CSV_SUFFIXES))
        yield from self._read_csv(inp) if is_csv else super().read(inp)

    def _read_csv(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        delimiter = "\t" if self.mapping.format is None and inp.name.lower().endswith(".tsv") \
            else self.mapping.delimiter
        header: list[str] | None = None
        for item in iter_utf8_lines(inp):
            if isinstance(item, Quarantined):
                yield item
                continue
            lineno, line = item
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if not text.strip():
                continue
            try:
                row = next(csv.reader([text], delimiter=delimiter))
            except csv.Error as exc:  # a field past csv's 128 KB limit
                yield Quarantined.of(lineno, f"line {lineno} is not readable CSV ({exc}); skipped, the other "
                                     "lines were kept", line)
                continue
            if header is None:
                header = [name.strip() for name in row]
                continue
            if len(row) != len(header):
                yield Quarantined.of(lineno, f"line {lineno} has {len(row)} columns, the header has "
                                     f"{len(header)}; skipped, the other lines were kept", line)
                continue
            record = {name: value for name, value in zip(header, row, strict=True) if value != ""}
            yield self.normalize(JsonRecord(lineno, record, text))


@dataclass
class MappingPreview:
    """What a mapping makes of a log file, before anything is stored: the mapping author's check."""

    records: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    samples: list[EventDict] = field(default_factory=list)  # the first events, without raw and fields
    filled: Counter[str] = field(default_factory=Counter)  # Event column -> events it was filled in
    unmapped: Counter[str] = field(default_factory=Counter)  # source field no mapping line names -> events

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records,
                "quarantined": [{"offset": q.offset, "reason": q.reason} for q in self.quarantined],
                "filled": dict(self.filled.most_common()), "unmapped": dict(self.unmapped.most_common()),
                "samples": self.samples}


def preview(mapping: FieldMapping, path: Path, limit: int = 5) -> MappingPreview:
    """Read a whole file with a mapping and tally what it fills; nothing is stored."""
    named = {p for paths in mapping.candidates.values() for p in paths} | set(mapping.time_columns)
    result = MappingPreview()
    for item in GenericReader(mapping).read(Input(path)):
        if isinstance(item, Quarantined):
            result.quarantined.append(item)
            continue
        result.records += 1
        result.filled.update(k for k, v in item.items()
                             if v is not None and k not in ("raw", "fields", "offset", "source", "product"))
        keys = set(item["fields"])
        prefixes = {k.rsplit(".", 1)[0] for k in keys if "." in k}  # objects also kept whole as JSON
        result.unmapped.update(k for k in keys if k not in named and k not in prefixes)
        if len(result.samples) < limit:
            result.samples.append({k: v for k, v in item.items() if k not in ("raw", "fields") and v is not None})
    return result
