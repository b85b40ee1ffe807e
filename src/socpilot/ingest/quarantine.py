"""A record that could not be read: where it was, why, and its first bytes."""

from __future__ import annotations

from dataclasses import dataclass

HEAD_KEEP = 256


@dataclass(frozen=True)
class Quarantined:
    offset: int  # line number, record index or byte offset: the reader says which in ``reason``
    reason: str
    head: bytes

    @classmethod
    def of(cls, offset: int, reason: str, data: bytes | str) -> Quarantined:
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        return cls(offset, reason, raw[:HEAD_KEEP])
