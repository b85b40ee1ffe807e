"""String templates for generated text: ``{name}`` is filled from the context, a pool, or random digits.

Templates are compiled once into literal/slot pairs, so filling one costs a join, not a parse:
the background generator fills millions of them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from socpilot.demo.rng import guid

_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_RANDOM = {
    "n1": lambda r: str(2 + int(r.random() * 248)),
    "n2": lambda r: str(10 + int(r.random() * 90)),
    "n4": lambda r: str(1000 + int(r.random() * 9000)),
    "n6": lambda r: str(100000 + int(r.random() * 900000)),
    "hex4": lambda r: f"{r.getrandbits(16):04x}",
    "hex6": lambda r: f"{r.getrandbits(24):06x}",
    "hex8": lambda r: f"{r.getrandbits(32):08X}",
    "guid": lambda r: guid(r),
}


@cache
def compile_template(text: str) -> tuple[str, ...]:
    """Even positions are literal text, odd positions are slot names."""
    return tuple(_SLOT.split(text))


def fill(text: str, rng: random.Random, ctx: Mapping[str, str], pools: Mapping[str, Sequence[str]]) -> str:
    parts = compile_template(text)
    if len(parts) == 1:
        return text
    out = []
    for i, part in enumerate(parts):
        if not i % 2:
            out.append(part)
        elif part in ctx:
            out.append(ctx[part])
        elif part in pools:
            pool = pools[part]
            out.append(pool[int(rng.random() * len(pool))])
        elif part in _RANDOM:
            out.append(_RANDOM[part](rng))
        else:
            out.append("{" + part + "}")  # not ours to fill (e.g. a literal brace in a command line)
    return "".join(out)


def fill_tree(value: Any, rng: random.Random, ctx: Mapping[str, str], pools: Mapping[str, Sequence[str]]) -> Any:
    """``fill`` applied to every string inside nested dicts and lists (CloudTrail request templates)."""
    if isinstance(value, str):
        return fill(value, rng, ctx, pools)
    if isinstance(value, dict):
        return {k: fill_tree(v, rng, ctx, pools) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_tree(v, rng, ctx, pools) for v in value]
    return value
