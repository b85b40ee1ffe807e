"""The Python API: what the CLI, the web console and notebooks all call.

A ``Workspace`` is one home folder: its store, and the stage functions bound to it.
Stages keep their logic in their own packages; this file only wires them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from socpilot.ingest.pipeline import IngestReport, ProgressFn, ingest
from socpilot.ingest.readers.field_mapping import load_mapping
from socpilot.store.store import Store
from socpilot.workspace import resolve_home


@dataclass
class Workspace:
    home: Path
    store: Store

    @classmethod
    def open(cls, home: str | Path | None = None) -> Workspace:
        path = resolve_home(home)
        return cls(path, Store(path))

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only query session over the store (``events`` view, ``catalog`` attached)."""
        return self.store.connect()

    def ingest(self, paths: Iterable[str | Path], source: str | None = None,
               progress: ProgressFn | None = None, workers: int | None = None,
               mapping: str | Path | None = None) -> IngestReport:
        """Ingest logs; ``mapping`` is a field-mapping YAML file for the generic reader (MappingError if bad)."""
        fields = load_mapping(mapping) if mapping is not None else None
        return ingest([Path(p) for p in paths], self.store, source=source, workers=workers, progress=progress,
                      mapping=fields)

    def ask(self, question: str) -> Any:
        """Answer a plain-English hunting question: a ``socpilot.hunt.ask.Answer``."""
        from socpilot.hunt.ask import ask  # imported here: the hunt stage itself builds on this module
        return ask(self, question)

    def status(self) -> dict[str, Any]:
        with self.store.catalog(read_only=True) as con:
            sources = con.execute(
                """SELECT p.source, sum(p.rows), min(p.min_time), max(p.max_time),
                          (SELECT count(*) FROM inputs i WHERE i.source = p.source AND i.records > 0)
                   FROM parts p GROUP BY p.source ORDER BY p.source"""  # inputs from the catalog: small ones share parts
            ).fetchall()
            quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()
        return {
            "home": str(self.home),
            "events": sum(int(r[1]) for r in sources),
            "sources": [
                {"source": r[0], "events": int(r[1]), "first": r[2], "last": r[3], "inputs": int(r[4])}
                for r in sources
            ],
            "quarantined": int(quarantined[0]) if quarantined else 0,
        }
