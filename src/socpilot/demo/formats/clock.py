"""Timestamps as each tool spells them. Times travel through the demo as UTC epoch seconds."""

from __future__ import annotations

import time
from functools import lru_cache


# Generated events come in time order, so the same second is formatted many times in a row.
@lru_cache(maxsize=8192)
def second(whole: int) -> str:
    """2026-11-20T09:14:07 for a whole epoch second."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))


@lru_cache(maxsize=8192)
def second_spaced(whole: int) -> str:
    """2026-11-20 09:14:07 for a whole epoch second."""
    return second(whole).replace("T", " ")


def parts(ts: float) -> tuple[int, int]:
    """Whole seconds and microseconds of an instant."""
    return divmod(round(ts * 1_000_000), 1_000_000)


def iso_ms(ts: float) -> str:
    """2026-11-20T09:14:07.123Z (Okta published)."""
    whole, us = parts(ts)
    return f"{second(whole)}.{us // 1000:03d}Z"


def space_ms(ts: float) -> str:
    """2026-11-20 09:14:07.123 (Sysmon UtcTime)."""
    whole, us = parts(ts)
    return f"{second_spaced(whole)}.{us // 1000:03d}"


def iso_s(ts: float) -> str:
    """2026-11-20T09:14:07Z (CloudTrail eventTime)."""
    return second(int(ts)) + "Z"


def suricata(ts: float) -> str:
    """2026-11-20T09:14:07.123456+0000 (Suricata EVE timestamp)."""
    whole, us = parts(ts)
    return f"{second(whole)}.{us:06d}+0000"
