"""Ingestion: find inputs, pick a reader for each, normalize, hand batches to the store."""

from socpilot.ingest.pipeline import IngestReport, InputResult, ingest

__all__ = ["IngestReport", "InputResult", "ingest"]
