"""The shared shape of the JSON log readers: records in, a field mapping applied, a refinement.

Each cloud and identity reader only says which mapping a record takes (YAML data in
``mappings/``) and what its source needs beyond a mapping (outcome rules, names
derived from ARNs, ...).
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import EventDict, Reader
from socpilot.ingest.readers.field_mapping import (
    UNDATED,
    FieldMapping,
    Flat,
    expand_json,
    flatten,
    source_fields,
)
from socpilot.ingest.readers.json_records import JsonRecord, first_record, iter_json_records, unwrap

_KEY = re.compile(r'"([A-Za-z_@][\w@.-]*)"\s*:')
_HEAD_KEYS_CHARS = 8192


class MappedJsonReader(Reader):
    # A time that does not parse: vendor logs keep the record as undated, while the
    # generic reader quarantines it (its mapping is the user's, and most likely wrong).
    strict_time: ClassVar[bool] = False
    # Panther test files name their log type; such a file is this reader's when it is one of these.
    panther_log_types: ClassVar[frozenset[str]] = frozenset()

    def sniff(self, name: str, head: bytes) -> bool:
        """By content: the first record's Panther log type, else its keys (``recognises``)."""
        record = first_record(head)
        if record is None:
            # A first record longer than the head: judge by the key names it opens with.
            text = head[:_HEAD_KEYS_CHARS].decode("utf-8", "replace").lstrip()
            return text.startswith("{") and self.recognises(dict.fromkeys(_KEY.findall(text)))
        log, log_type = unwrap(record)
        if log_type is not None:
            return log_type in self.panther_log_types
        return self.recognises(log)

    def recognises(self, record: dict[str, Any]) -> bool:
        """Whether a (first) record is this reader's, from its keys and values."""
        return False

    @abstractmethod
    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        """The mapping a record takes (a reader may hold several: sign-ins, audit, activity)."""

    def refine(self, event: EventDict, record: dict[str, Any], flat: Flat) -> None:
        """Fill what a mapping cannot express; the default needs nothing more."""

    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        for item in iter_json_records(inp):
            yield item if isinstance(item, Quarantined) else self.normalize(item)

    def normalize(self, item: JsonRecord) -> EventDict | Quarantined:
        """One record as an Event dict, or quarantined with the reason it could not be."""
        # Envelopes (Panther tests, EventBridge) are unwrapped; Panther's ``p_*`` fields stay in ``fields``.
        record, log_type = unwrap(item.record)
        try:
            mapping = self.mapping_for(record, log_type)
            record = mapping.canonicalize(expand_json(record, mapping.json_columns))
            flat = flatten(record)
            try:
                time = mapping.time_of(flat)
            except ValueError:
                if self.strict_time:
                    raise
                time = None
            event = mapping.apply(flat)
            event.update(time=time or UNDATED, raw=item.raw, offset=item.offset, source=mapping.source,
                         fields=source_fields(record, flat))
            self.refine(event, record, flat)
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError) as exc:
            return Quarantined.of(item.offset, f"record {item.offset} cannot be normalized ({exc}); skipped, "
                                  "the other records were kept", item.raw)
        return event
