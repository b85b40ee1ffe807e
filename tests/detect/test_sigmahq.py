"""The SigmaHQ snapshot: every rule loads or says why, and rules fire on their regression samples.

The regression cases (``sigma/regression-dev``) pair a rule with an EVTX sample and
its JSON render. Both renders are ingested through the real readers and the whole
SigmaHQ rule set runs once over each, as a user would run it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from socpilot.api import Workspace
from socpilot.detect.alerts import load_alerts
from socpilot.detect.compiler import Compiled
from socpilot.detect.run import compile_rules, detect


@pytest.fixture(scope="module")
def sigmahq(data: Path) -> Compiled:
    return compile_rules([data / "sigma" / "rules-sigmahq"], include_builtin=False)


def test_every_rule_loads_or_is_reported_with_a_reason(sigmahq):
    loaded = {r.meta.id for r in sigmahq.rules}
    assert sigmahq.loaded == 3779
    assert len(loaded) + len(sigmahq.correlations) + len(sigmahq.unsupported) == 3779
    assert all(u.reason for u in sigmahq.unsupported)
    by_product: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for meta in {r.meta.id: r.meta for r in sigmahq.rules}.values():
        by_product[meta.product or "(none)"][0] += 1
    for u in sigmahq.unsupported:
        by_product[u.product or "(none)"][1] += 1
    fraction = {p: ok / (ok + bad) for p, (ok, bad) in by_product.items()}
    # Measured 2026-11-27: windows 2834/2872 (file_access and a few services have no channel,
    # placeholders without values), zeek 24/24, aws 57/58, okta 23/24; linux/macos are not read.
    assert fraction["windows"] >= 0.98
    assert fraction["zeek"] == 1.0
    assert fraction["aws"] >= 0.98 and fraction["okta"] >= 0.95
    assert fraction.get("linux", 0.0) == 0.0
    assert any("no store mapping for logsource product=linux" in u.reason for u in sigmahq.unsupported)


def _cases(root: Path) -> dict[Path, str]:
    """Case folder -> the id of the rule its sample must fire (cases with an active test only)."""
    cases = {}
    for info in root.rglob("info.yml"):
        doc = yaml.safe_load(info.read_text(encoding="utf-8"))
        if doc.get("regression_tests_info"):
            cases[info.parent] = str(doc["rule_metadata"][0]["id"])
    return cases


def _fired_per_case(tmp: Path, root: Path, suffix: str, compiled: Compiled) -> dict[Path, set[str]]:
    """Rules with evidence in each case's sample (samples with the same bytes count for every case)."""
    samples = sorted(root.rglob(f"*.{suffix}"))
    same_bytes: dict[str, list[Path]] = defaultdict(list)
    for sample in samples:
        same_bytes[hashlib.sha256(sample.read_bytes()).hexdigest()].append(sample.parent)
    folders_of = {str(s): same_bytes[hashlib.sha256(s.read_bytes()).hexdigest()] for s in samples}
    ws = Workspace.open(tmp / suffix)
    report = ws.ingest(samples, workers=1)
    assert report.quarantined == 0
    run = detect(ws.store, compiled=compiled)
    assert run.failed == {}
    with ws.connect() as con:
        file_of = dict(con.execute("SELECT id, file FROM events").fetchall())
    with ws.store.catalog(read_only=True) as cat:
        found = load_alerts(cat)
    fired: dict[Path, set[str]] = defaultdict(set)
    for alert in found:
        for eid in alert.event_ids:
            for folder in folders_of[file_of[eid]]:
                fired[folder].add(alert.rule_id)
    return fired


# Measured 2026-11-27 over the 157 cases: its rule fires on 156 EVTX samples (not on the certutil-encode
# one) and on all 157 JSON renders; other rules fire on samples not theirs in 98 (EVTX) and 99 (JSON)
# (rule, case) pairs. A rise means a rule got noisier, or a reader changed field values.
FALSE_POSITIVE_BASELINE = {"evtx": 98, "json": 99}


@pytest.mark.parametrize("suffix", ["evtx", "json"])
def test_regression_samples_fire_their_rule(suffix, data, sigmahq, tmp_path):
    root = data / "sigma" / "regression-dev"
    cases = _cases(root)
    assert len(cases) == 157
    fired = _fired_per_case(tmp_path, root, suffix, sigmahq)
    hits = [case for case, rule_id in cases.items() if rule_id in fired[case]]
    assert len(hits) / len(cases) >= 0.98
    others = sum(len(fired[case] - {rule_id}) for case, rule_id in cases.items())
    assert others <= FALSE_POSITIVE_BASELINE[suffix]
