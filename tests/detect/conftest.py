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
    """A workspace holding ``records`` read by the ``source`` reader, as a real input would be."""
    counter = iter(range(1_000_000))

    def make(source: str, records: list[dict[str, Any]]) -> Workspace:
        n = next(counter)
        ws = Workspace.open(tmp_path / f"home{n}")
        path = tmp_path / f"input{n}.jsonl"
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
        report = ws.ingest([path], source=source, workers=1)
        assert report.records == len(records), report.to_dict()
        return ws

    return make
