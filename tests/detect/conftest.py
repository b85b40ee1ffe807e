"""Fixtures of the detection tests: the built-in pack compiled once, tiny stores of given records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from socpilot.api import Workspace
from socpilot.detect.compiler import Compiled
from socpilot.detect.run import compile_rules


@pytest.fixture(scope="session")
def builtin() -> Compiled:
    return compile_rules([], include_builtin=True)


StoreOf = Callable[[str, list[dict[str, Any]]], Workspace]


@pytest.fixture
def store_of(tmp_path: Path) -> StoreOf:
    """A workspace holding ``records`` (JSON lines), which the ``source`` reader must recognise and read."""
    counter = iter(range(1_000_000))

    def make(source: str, records: list[dict[str, Any]]) -> Workspace:
        n = next(counter)
        ws = Workspace.open(tmp_path / f"home{n}")
        path = tmp_path / f"input{n}.json"
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
        report = ws.ingest([path], workers=1)  # auto-detected, as a user's file would be
        assert report.per_source() == {source: {"inputs": 1, "records": len(records), "quarantined": 0}}
        return ws

    return make
