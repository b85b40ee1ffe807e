"""Google Cloud audit logs: Cloud Logging entries whose ``protoPayload`` is an AuditLog.

The mapping is data (``mappings/gcp.yaml``); a call with no ``status`` succeeded,
which a mapping cannot say.
"""

from __future__ import annotations

from typing import Any

from socpilot.ingest.reader import EventDict
from socpilot.ingest.readers.field_mapping import FieldMapping, Flat, builtin_mapping
from socpilot.ingest.readers.mapped_json import MappedJsonReader


class GcpAuditReader(MappedJsonReader):
    source = "gcp"
    description = "Google Cloud audit logs (JSON lines or arrays, Panther test events)"
    panther_log_types = frozenset({"GCP.AuditLog"})

    def recognises(self, record: dict[str, Any]) -> bool:
        keys = {k.lower() for k in record}
        return "protopayload" in keys and bool(keys & {"logname", "insertid"})

    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        return builtin_mapping("gcp")

    def refine(self, event: EventDict, record: dict[str, Any], flat: Flat) -> None:
        if event.get("auth_outcome") is None and event.get("cloud_action"):
            event["auth_outcome"] = "success"  # audit entries carry a status only when the call failed
