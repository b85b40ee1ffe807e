"""The workspace's detection settings: ``<home>/detect.yml`` (rule folders, placeholders) plus the
tuning filters analysts enabled (``<home>/rules/filters``), which load with the rules they tune."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def detect_config(home: Path) -> dict[str, Any]:
    path = home / "detect.yml"
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return loaded if isinstance(loaded, dict) else {}


def rule_folders(home: Path) -> list[Path]:
    """Rule folders named in detect.yml, then the workspace's enabled tuning filters."""
    folders = [Path(p) for p in detect_config(home).get("rules", [])]
    filters = home / "rules" / "filters"
    return folders + ([filters] if filters.is_dir() else [])
