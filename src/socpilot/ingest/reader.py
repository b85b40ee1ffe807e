"""The reader contract: say whether you handle an input, then stream its records.

A reader yields normalized event dicts (keys from ``socpilot.model.Event``; ``raw``,
``time`` and ``offset`` are required, ``id``/``file``/``source`` are filled by the
pipeline) or ``Quarantined`` entries for records it cannot read. It never raises
for bad content: one bad record must not cost the good ones around it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined

EventDict = dict[str, Any]


class Reader(ABC):
    source: ClassVar[str]  # the ``source`` column value, and the --source name
    description: ClassVar[str] = ""

    @abstractmethod
    def sniff(self, name: str, head: bytes) -> bool:
        """Whether this reader handles an input, from its name and first bytes."""

    @abstractmethod
    def read(self, inp: Input) -> Iterator[EventDict | Quarantined]:
        """Stream the input's records, normalized."""

    def source_of(self, event: EventDict) -> str:
        return event.get("source") or self.source

    # Readers are instantiated in worker processes too: keep them stateless.
    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), ())
