"""Match ATT&CK data components to the telemetry actually in the store (``components.yml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from socpilot.api import Workspace
from socpilot.store.query import parse, run_query

_PRESENT = parse(
    "SELECT source, class_name, channel, event_code, count(*) AS n FROM events GROUP BY 1, 2, 3, 4"
)


@lru_cache(maxsize=1)
def component_table() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load(files("socpilot.datasources").joinpath("components.yml").read_text())


def _matches(condition: dict[str, Any], row: dict[str, Any]) -> bool:
    for key, wanted in condition.items():
        value = row.get(key)
        if isinstance(wanted, list):
            if str(value) not in {str(w) for w in wanted}:
                return False
        elif str(value or "").lower() != str(wanted).lower():
            return False
    return True


def available_components(ws: Workspace) -> dict[str, bool]:
    """Every data component socpilot knows, and whether the store holds telemetry for it."""
    con = ws.connect()
    try:
        present = run_query(con, _PRESENT)
    finally:
        con.close()
    return {name: any(_matches(c, row) for c in conditions for row in present)
            for name, conditions in component_table().items()}


def missing_components(components: tuple[str, ...] | list[str], available: dict[str, bool]) -> list[str]:
    """The components of a technique we have no telemetry for (unknown components count as missing)."""
    return [c for c in components if not available.get(c, False)]
