"""``socpilot demo``: a fictional company's week of telemetry with one labelled attack in it.

``generate(out_dir, ...)`` writes the logs in the formats real tools write (NXLog Windows JSON,
Zeek TSV, Suricata EVE, CloudTrail ``Records`` files, Okta System Log), side files (assets,
identities, domain registrations, the phishing .eml) and ``ground_truth.jsonl``.
"""

from socpilot.demo.build import DEFAULT_DAYS, DEFAULT_EVENTS, DEFAULT_HOSTS, DEFAULT_SEED, generate
from socpilot.demo.manifest import DemoManifest

__all__ = ["DEFAULT_DAYS", "DEFAULT_EVENTS", "DEFAULT_HOSTS", "DEFAULT_SEED", "DemoManifest", "generate"]
