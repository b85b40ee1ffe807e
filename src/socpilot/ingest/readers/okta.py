"""Okta System Log: JSON lines or arrays, as the API, exports and Panther's tests give them.

The mapping is data (``mappings/okta.yaml``); this file adds what a mapping cannot
express: MFA evidence (an ``auth_via_mfa`` event, a factor named in the debug data)
and the targeted user among targets of several types.
"""

from __future__ import annotations

from typing import Any

from socpilot.ingest.reader import EventDict
from socpilot.ingest.readers.field_mapping import FieldMapping, Flat, builtin_mapping, first
from socpilot.ingest.readers.mapped_json import MappedJsonReader

_OKTA_KEYS = frozenset({"published", "legacyeventtype", "displaymessage", "actor", "authenticationcontext"})


class OktaReader(MappedJsonReader):
    source = "okta"
    description = "Okta System Log (JSON lines or arrays, Panther test events)"

    panther_log_types = frozenset({"Okta.SystemLog"})

    def recognises(self, record: dict[str, Any]) -> bool:
        keys = {k.lower() for k in record}
        return "eventtype" in keys and len(keys & _OKTA_KEYS) >= 2

    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        return builtin_mapping("okta")

    def refine(self, event: EventDict, record: dict[str, Any], flat: Flat) -> None:
        code = event.get("event_code") or ""
        if code.startswith("user.authentication.auth_via_mfa") or first(flat, ["debugContext.debugData.factor"]):
            event["auth_mfa"] = True
        # The targeted user, wherever it sits among the targets (apps, groups, policies).
        targets = record.get("target")
        for target in targets if isinstance(targets, list) else []:
            if isinstance(target, dict) and target.get("type") == "User" and target.get("alternateId"):
                event["target_user_name"] = str(target["alternateId"])
                break
