"""On the demo: the inventory discovered from telemetry matches the generated one, and gaps are named."""

from __future__ import annotations

import csv
from pathlib import Path

from socpilot.api import Workspace
from socpilot.inventory import discover_assets, inventory_gaps
from socpilot.inventory.names import normalise_host


def test_discovered_hosts_and_addresses_match_the_generated_inventory(demo_run, demo_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    generated = {normalise_host(r["hostname"]): r["ip"]
                 for r in csv.DictReader(Path(demo_run.manifest.assets).open())}
    discovered = {a.hostname: a.ips for a in discover_assets(demo_ws)}
    windows = {h for h in generated if h in discovered}
    assert len(windows) >= 0.95 * len(generated)
    right = [h for h in windows if generated[h] in discovered[h]]
    assert len(right) >= 0.95 * len(windows), sorted(set(windows) - set(right))


def test_gaps_name_no_silent_host_when_every_host_reports(demo_ws: Workspace) -> None:
    gaps = inventory_gaps(demo_ws)
    assert gaps["silent_hosts"] == [] and gaps["address_conflicts"] == []
    assert all(not row["ip"].startswith("10.") or row["events"] > 0 for row in gaps["unknown_network_hosts"])
