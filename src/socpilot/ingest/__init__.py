"""Ingestion: find inputs, pick a reader for each, normalize, hand batches to the store."""

from typing import Any


def __getattr__(name: str) -> Any:
    # The pipeline needs the store, and the store needs ``ingest.quarantine``: importing the
    # pipeline only when asked keeps ``import socpilot.store`` free of a cycle.
    if name in ("IngestReport", "InputResult", "ingest"):
        from socpilot.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)


__all__ = ["IngestReport", "InputResult", "ingest"]
