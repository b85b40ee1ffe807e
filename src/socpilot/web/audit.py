"""The audit log: every analyst action, who and when, append-only JSON lines in the workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson


def audit(home: Path, user: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
    path = home / "web" / "audit.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"at": datetime.now(UTC).isoformat(), "user": user, "action": action, "target": target,
             "detail": detail or {}}
    with open(path, "ab") as f:
        f.write(orjson.dumps(entry) + b"\n")


def read_audit(home: Path, limit: int = 200) -> list[dict[str, Any]]:
    path = home / "web" / "audit.jsonl"
    if not path.exists():
        return []
    lines = path.read_bytes().splitlines()[-limit:]
    return [orjson.loads(line) for line in reversed(lines)]
