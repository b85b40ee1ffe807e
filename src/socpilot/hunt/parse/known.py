"""Host and user names present in the store, matched leniently to what a question says."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field


def _squash(name: str) -> str:
    # "WS-01", "ws01" and "ws_01" are the same machine to an analyst
    return re.sub(r"[\W_]+", "", name.lower())


def _spellings(name: str) -> set[str]:
    """A stored name and the short forms an analyst types: no DOMAIN\\, no @domain, no DNS suffix."""
    short = name.split("\\")[-1]
    return {_squash(name), _squash(short.split("@")[0]), _squash(short.split(".")[0])} - {""}


@dataclass(frozen=True)
class Known:
    """Distinct names from the store; empty sets mean 'unknown', and any name is then accepted."""

    hosts: frozenset[str] = field(default_factory=frozenset)
    users: frozenset[str] = field(default_factory=frozenset)

    def names(self, kind: str) -> frozenset[str]:
        return {"host": self.hosts, "user": self.users}[kind]

    def exact(self, kind: str, name: str) -> str | None:
        """The stored spelling of a name, ignoring case and separators."""
        squashed = _squash(name)
        if not squashed:
            return None
        whole = sorted(n for n in self.names(kind) if _squash(n) == squashed)
        if len(whole) == 1:
            return whole[0]  # "sarah.whitfield" is that account, not sarah.whitfield@corp
        matches = sorted(n for n in self.names(kind) if squashed in _spellings(n))
        return matches[0] if len(matches) == 1 else None

    def close(self, kind: str, name: str, limit: int = 4) -> list[str]:
        """The stored names that look most like ``name``, best first."""
        pool = {spelling: n for n in sorted(self.names(kind)) for spelling in _spellings(n)}
        hits = difflib.get_close_matches(_squash(name), list(pool), n=limit * 3, cutoff=0.7)
        return list(dict.fromkeys(pool[h] for h in hits))[:limit]
