"""Host, user and domain names present in the store, matched leniently to what a question says."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

_SEPARATORS = re.compile(r"[\W_]+")


def _squash(name: str) -> str:
    # "WS-01", "ws01" and "ws_01" are the same machine to an analyst
    return _SEPARATORS.sub("", name.lower())


def _local(name: str) -> str:
    """The part that names the account or machine: no DOMAIN\\ prefix, no @domain, no DNS suffix."""
    short = name.split("\\")[-1].split("@")[0]
    return _squash(short if "@" in name or "\\" in name else short.split(".")[0] if _is_fqdn(name) else short)


def _is_fqdn(name: str) -> bool:
    labels = name.split(".")
    return len(labels) > 2 and not name.replace(".", "").isdigit()


def _spellings(name: str) -> set[str]:
    """A stored name and the short forms an analyst types: no DOMAIN\\, no @domain, no DNS suffix."""
    short = name.split("\\")[-1]
    return {_squash(name), _squash(short.split("@")[0]), _squash(short.split(".")[0])} - {""}


@dataclass(frozen=True)
class Known:
    """Distinct names from the store; empty sets mean 'unknown', and any name is then accepted."""

    hosts: frozenset[str] = field(default_factory=frozenset)
    users: frozenset[str] = field(default_factory=frozenset)
    domains: frozenset[str] = field(default_factory=frozenset)  # names looked up or contacted

    def domain_seen(self, domain: str) -> bool:
        """Whether the store names this domain or a name below it (true when domains are unknown)."""
        if not self.domains:
            return True
        suffix = "." + domain
        return domain in self._lower_domains or any(d.endswith(suffix) for d in self._lower_domains)

    def close_domains(self, domain: str, limit: int = 3) -> list[str]:
        return difflib.get_close_matches(domain, sorted(self._lower_domains), n=limit, cutoff=0.75)

    @cached_property
    def _lower_domains(self) -> frozenset[str]:
        return frozenset(d.lower().rstrip(".") for d in self.domains)

    def names(self, kind: str) -> frozenset[str]:
        return {"host": self.hosts, "user": self.users}[kind]

    @cached_property
    def _index(self) -> dict[str, tuple[dict[str, list[str]], dict[str, list[str]]]]:
        """Per kind: whole squashed name -> names, and any spelling -> names (built once)."""
        index = {}
        for kind in ("host", "user"):
            whole: dict[str, list[str]] = defaultdict(list)
            spelled: dict[str, list[str]] = defaultdict(list)
            for name in sorted(self.names(kind)):
                whole[_squash(name)].append(name)
                for spelling in _spellings(name):
                    spelled[spelling].append(name)
            index[kind] = (dict(whole), dict(spelled))
        return index

    def exact(self, kind: str, name: str) -> str | None:
        """The stored spelling of a name, ignoring case and separators."""
        squashed = _squash(name)
        if not squashed:
            return None
        whole, spelled = self._index[kind]
        if len(whole.get(squashed, [])) == 1:
            return whole[squashed][0]  # "sarah.whitfield" is that account, not sarah.whitfield@corp
        matches = spelled.get(squashed, [])
        return matches[0] if len(matches) == 1 else None

    def account(self, kind: str, name: str) -> list[str]:
        """Every stored spelling of the one account or host ``name`` means ("sarah.whitfield" and
        "sarah.whitfield@corp.com"; "FS01" and "FS01.corp.local"), or [] when it means none or several."""
        squashed = _squash(name)
        if not squashed:
            return []
        spelled = self._index[kind][1].get(squashed, [])
        owners = {_local(n) for n in spelled}
        if len(owners) != 1:
            return []
        owner = owners.pop()
        return sorted(n for n in self.names(kind) if _local(n) == owner)

    def close(self, kind: str, name: str, limit: int = 4) -> list[str]:
        """The stored names that look most like ``name``, best first."""
        spelled = self._index[kind][1]
        hits = difflib.get_close_matches(_squash(name), list(spelled), n=limit * 3, cutoff=0.7)
        return list(dict.fromkeys(n for h in hits for n in spelled[h]))[:limit]
