"""Find credentials in text and show them masked: enough to recognise, never enough to use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import yaml


@dataclass(frozen=True)
class SecretHit:
    kind: str
    masked: str


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern[str]]:
    table = yaml.safe_load(files("socpilot.posture").joinpath("secrets.yml").read_text())
    return {kind: re.compile(pattern) for kind, pattern in table.items()}


def combined_pattern() -> str:
    """One alternation of every pattern, in the RE2 syntax SQL engines accept, for a first pass in SQL."""
    return "(?i)" + "|".join(f"(?:{p.pattern.removeprefix('(?i)').replace('(?P<secret>', '(')})"
                             for p in patterns().values())


def mask(secret: str) -> str:
    secret = secret.strip()
    keep = 4 if len(secret) >= 12 else 1
    return secret[:keep] + "*" * max(len(secret) - keep, 3)


def find_secrets(text: str) -> list[SecretHit]:
    hits = []
    for kind, pattern in patterns().items():
        for match in pattern.finditer(text):
            # patterns that need context around a secret name the secret itself ``(?P<secret>...)``
            secret = match.group("secret") if "secret" in pattern.groupindex else match.group(0)
            hits.append(SecretHit(kind, mask(secret)))
    return hits
