"""On the demo: baselines flag the attack's first-seen process tree and domain and stay quiet on the background."""

from __future__ import annotations

from datetime import datetime

import orjson

from socpilot.api import Workspace
from socpilot.baseline import build_baselines, find_anomalies


def test_the_attack_tree_is_new_and_the_background_is_quiet(demo_run, demo_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    build_baselines(demo_ws)
    attack_day = datetime.fromisoformat(demo_run.manifest.facts["attack_date"] + "T00:00:00+00:00")
    found = find_anomalies(demo_ws, since=attack_day, save=False)
    trees = {a.group_key for a in found if a.rule_id.endswith("new_parent_child")}
    assert "*|winword.exe > powershell.exe" in trees
    domains = {a.group_key for a in found if a.rule_id.endswith("new_domain")}
    assert f"*|{demo_run.manifest.facts['c2_domain']}" in domains
    attack_ids = {orjson.loads(line)["id"] for line in demo_run.manifest.ground_truth.read_bytes().splitlines()
                  if line.strip()}
    background = [a for a in found if not set(a.event_ids) & attack_ids]
    hosts = int(demo_run.manifest.facts["hosts"])
    assert len(background) < hosts  # under one per host on the evaluated day
