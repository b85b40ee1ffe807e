"""What every background generator shares: the day being generated and its time draws."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Hour:
    """One hour of one day: where events go in time and how busy the office is."""

    start: float  # epoch seconds of the hour's start (UTC)
    hour: int  # 0..23
    weekend: bool

    def times(self, rng: random.Random, n: int) -> list[float]:
        """``n`` sorted instants inside the hour, microsecond precision."""
        return sorted(round(self.start + rng.random() * 3600, 6) for _ in range(n))


def cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, items: Sequence[T], cum: list[float]) -> T:
    """One weighted choice with precomputed cumulative weights (``random.choices`` without its overhead)."""
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


# random.choice and randrange spend most of their time in argument checks; these hot-path
# twins draw one float instead (the tiny bias does not matter for synthetic background).
def one_of(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, lo: int, hi: int) -> int:
    """An int in [lo, hi)."""
    return lo + int(rng.random() * (hi - lo))


def ephemeral_port(rng: random.Random) -> int:
    return 49152 + int(rng.random() * 16383)
