"""What a generation run produced, for the CLI, the tests of other stages and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DemoManifest:
    out_dir: Path
    raw_dir: Path
    files: dict[str, list[Path]]  # per source, absolute paths
    counts: dict[str, int]  # records per source (background and scenario together)
    attack_events: int
    ground_truth: Path
    assets: Path
    identities: Path
    domains: Path
    email: Path
    seconds: float
    facts: dict[str, Any] = field(default_factory=dict)  # who and what the scenario is about

    @property
    def events(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir), "raw_dir": str(self.raw_dir), "events": self.events,
            "counts": self.counts, "attack_events": self.attack_events, "ground_truth": str(self.ground_truth),
            "assets": str(self.assets), "identities": str(self.identities), "domains": str(self.domains),
            "email": str(self.email), "seconds": round(self.seconds, 3),
            "files": {k: len(v) for k, v in self.files.items()}, "facts": self.facts,
        }
