"""GitHub organisation and enterprise audit log: ``{"action", "actor", "created_at", ...}`` records.

Everything is in the mapping (``mappings/github.yaml``).
"""

from __future__ import annotations

from typing import Any

from socpilot.ingest.readers.field_mapping import FieldMapping, builtin_mapping
from socpilot.ingest.readers.mapped_json import MappedJsonReader

_CONTEXT_KEYS = frozenset({"org", "repo", "business", "actor_location", "_document_id"})


class GitHubAuditReader(MappedJsonReader):
    source = "github"
    description = "GitHub organisation/enterprise audit log (JSON lines or arrays, Panther test events)"
    panther_log_types = frozenset({"GitHub.Audit"})

    def recognises(self, record: dict[str, Any]) -> bool:
        keys = set(record)
        action = record.get("action")
        return ("actor" in keys and isinstance(action, str) and "." in action
                and bool(keys & {"created_at", "@timestamp"}) and bool(keys & _CONTEXT_KEYS))

    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        return builtin_mapping("github")
