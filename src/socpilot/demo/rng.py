"""Seeded randomness: every generator draws from its own stream, named by what it makes.

A stream seeded by ``(seed, name...)`` gives the same draws whatever ran before it or
in which process, which is what makes output byte-identical across runs and workers.
"""

from __future__ import annotations

import random


def stream(seed: int, *names: object) -> random.Random:
    """A ``random.Random`` for one named part of the output (str seeds hash with SHA-512)."""
    return random.Random(":".join([str(seed), *map(str, names)]))


def hex_id(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def guid(rng: random.Random) -> str:
    h = hex_id(rng, 32)
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}}}"


def uuid(rng: random.Random) -> str:
    return guid(rng)[1:-1]
