"""The readers socpilot knows, most specific first: auto-detection asks each in turn."""

from __future__ import annotations

from socpilot.ingest.reader import Reader


def all_readers() -> list[Reader]:
    # Imported here so a worker process pays only for what it uses.
    from socpilot.ingest.readers.cloudtrail import CloudTrailReader
    from socpilot.ingest.readers.entra import EntraReader
    from socpilot.ingest.readers.evtx import EvtxReader
    from socpilot.ingest.readers.gcp import GcpAuditReader
    from socpilot.ingest.readers.generic import GenericReader
    from socpilot.ingest.readers.github import GitHubAuditReader
    from socpilot.ingest.readers.okta import OktaReader
    from socpilot.ingest.readers.suricata import SuricataReader
    from socpilot.ingest.readers.windows_json import WindowsJsonReader
    from socpilot.ingest.readers.zeek import ZeekReader

    readers: list[Reader] = [EvtxReader(), WindowsJsonReader()]
    readers += [ZeekReader(), SuricataReader()]
    readers += [CloudTrailReader(), OktaReader(), EntraReader(), GcpAuditReader(), GitHubAuditReader(), GenericReader()]
    return readers


def reader_by_source(source: str) -> Reader:
    for reader in all_readers():
        if reader.source == source:
            return reader
    known = ", ".join(sorted(r.source for r in all_readers()))
    raise KeyError(f"unknown source {source!r}; known sources: {known}")


def detect_reader(name: str, head: bytes) -> Reader | None:
    lowered = name.lower()
    for reader in all_readers():
        if reader.sniff(lowered, head):
            return reader
    return None
