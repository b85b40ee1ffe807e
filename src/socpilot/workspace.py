"""Where socpilot keeps what it stores: ``--home``, else ``SOCPILOT_HOME``, else ``./socpilot-data``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = "socpilot-data"


def resolve_home(home: str | Path | None = None) -> Path:
    chosen = home or os.environ.get("SOCPILOT_HOME") or DEFAULT_HOME
    path = Path(chosen).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
