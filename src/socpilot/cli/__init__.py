"""The ``socpilot`` command: one typer app; each stage's commands live in their own module."""

from __future__ import annotations

from socpilot.cli import attack_cmd as _attack_cmd  # noqa: F401
from socpilot.cli import baseline_cmd as _baseline_cmd  # noqa: F401
from socpilot.cli import copilot_cmd as _copilot_cmd  # noqa: F401
from socpilot.cli import correlate_cmd as _correlate_cmd  # noqa: F401
from socpilot.cli import demo_cmd as _demo_cmd  # noqa: F401
from socpilot.cli import detect_cmd as _detect_cmd  # noqa: F401
from socpilot.cli import feedback_cmd as _feedback_cmd  # noqa: F401
from socpilot.cli import hunt_cmd as _hunt_cmd  # noqa: F401
from socpilot.cli import ingest_cmd as _ingest_cmd  # noqa: F401  (registers commands)
from socpilot.cli import inventory_cmd as _inventory_cmd  # noqa: F401
from socpilot.cli import mapping_cmd as _mapping_cmd  # noqa: F401
from socpilot.cli import posture_cmd as _posture_cmd  # noqa: F401
from socpilot.cli import web_cmd as _web_cmd  # noqa: F401
from socpilot.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
