"""Which ATT&CK techniques the enabled rules cover, and an ATT&CK Navigator layer of them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from socpilot.detect.attack import AttackTags
from socpilot.detect.compiler import Compiled

NAVIGATOR = {"layer": "4.5", "navigator": "4.9.1", "attack": "18"}


def coverage(compiled: Compiled, tags: AttackTags | None = None) -> list[dict[str, Any]]:
    """One row per technique: its name (when known), tactics and the rules that cover it."""
    tags = tags or AttackTags()
    rules: dict[str, dict[str, str]] = defaultdict(dict)
    tactics: dict[str, set[str]] = defaultdict(set)
    metas = {r.meta.id: r.meta for r in compiled.rules if r.meta.generate or r.meta.extension}
    metas.update({meta.id: meta for meta, _ in compiled.correlations})
    for meta in metas.values():
        techniques, rule_tactics = tags.of(meta)
        for tid in techniques:
            rules[tid][meta.id] = meta.title
            tactics[tid].update(rule_tactics)
    return [
        {"technique": tid, "name": tags.name(tid), "tactics": sorted(tactics[tid]),
         "rules": len(rules[tid]), "rule_titles": sorted(rules[tid].values())}
        for tid in sorted(rules)
    ]


def navigator_layer(rows: list[dict[str, Any]], name: str = "socpilot detection coverage") -> dict[str, Any]:
    """An ATT&CK Navigator layer: each covered technique scored by how many rules cover it."""
    top = max((r["rules"] for r in rows), default=1)
    return {
        "name": name,
        "versions": NAVIGATOR,
        "domain": "enterprise-attack",
        "description": "Techniques covered by the enabled socpilot rules (score = number of rules).",
        "techniques": [
            {"techniqueID": r["technique"], "score": r["rules"], "enabled": True,
             "comment": "; ".join(r["rule_titles"][:20])}
            for r in rows
        ],
        "gradient": {"colors": ["#ffe766", "#8ec843"], "minValue": 0, "maxValue": top},
        "legendItems": [],
    }
