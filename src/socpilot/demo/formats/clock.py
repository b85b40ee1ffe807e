"""Timestamps as each tool spells them. Times travel through the demo as UTC epoch seconds."""

from __future__ import annotations

import time
from functools import lru_cache


@lru_cache(maxsize=8192)
def _second(whole: int) -> str:
    # Generated events come in time order, so the same second is formatted many times in a row.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))


def _parts(ts: float) -> tuple[str, int]:
    whole, us = divmod(round(ts * 1_000_000), 1_000_000)
    return _second(whole), us


def iso_ms(ts: float) -> str:
    """2026-11-20T09:14:07.123Z (Windows JSON @timestamp, Okta published)."""
    base, us = _parts(ts)
    return f"{base}.{us // 1000:03d}Z"


def space_ms(ts: float) -> str:
    """2026-11-20 09:14:07.123 (Sysmon UtcTime)."""
    base, us = _parts(ts)
    return f"{base.replace('T', ' ')}.{us // 1000:03d}"


def space_s(ts: float) -> str:
    """2026-11-20 09:14:07 (NXLog EventTime)."""
    return _second(int(ts)).replace("T", " ")


def iso_s(ts: float) -> str:
    """2026-11-20T09:14:07Z (CloudTrail eventTime)."""
    return _second(int(ts)) + "Z"


def suricata(ts: float) -> str:
    """2026-11-20T09:14:07.123456+0000 (Suricata EVE timestamp)."""
    base, us = _parts(ts)
    return f"{base}.{us:06d}+0000"


def zeek(ts: float) -> str:
    """1763630047.123456 (Zeek TSV ts)."""
    return f"{ts:.6f}"
