"""End to end on a small week: the stages this build has find the attack as one incident, and little else."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from socpilot.demo.run import run_demo


def test_top_incident_tells_the_attack_across_hosts_and_stages(tmp_path: Path):
    run = run_demo(tmp_path / "home", hosts=10, days=5, events=8_000, seed=11, start=datetime(2026, 3, 2))
    assert run.ingest.quarantined == 0
    inc = run.top_incident
    assert inc is not None
    coverage = inc["ground_truth"]
    # Baseline anomalies alone already link the workstation, the file server and the cloud identity;
    # with the detection rules as well the target is 6 of 7 stages.
    assert {4, 5, 6, 7} <= set(coverage["stages"])
    assert len(coverage["stages"]) >= (6 if "detection" not in run.skipped else 5)
    assert coverage["stages_total"] == 7
    facts = run.manifest.facts
    assert {facts["victim_host"].lower(), facts["lateral_target"].lower()} <= set(inc["hosts"])
    assert {facts["victim"], facts["admin_account"]} <= set(inc["users"])
    score = run.detection["against_ground_truth"]
    assert score["attack_alerts"] >= 10
    assert score["benign_per_host_day"] < 1.0
