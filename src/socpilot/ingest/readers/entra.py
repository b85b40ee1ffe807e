"""Microsoft Entra ID, Azure and Microsoft 365: sign-in and audit logs, activity logs, M365 audit.

Four record families share one reader because they arrive mixed (one Event Hub
export, one Panther log type, one Sentinel workspace): diagnostic sign-in/audit
records, Azure Monitor activity records (``source="azure"``), Office 365
management-activity records of the AzureActiveDirectory workload, and those of the
other workloads (Exchange, SharePoint, Teams: ``source="m365"``). Each has its own mapping in
``mappings/entra.yaml``; this file picks the mapping and adds the MFA and user
agent evidence that sits in lists of steps or name/value pairs.
"""

from __future__ import annotations

from typing import Any

from socpilot.ingest.reader import EventDict
from socpilot.ingest.readers.field_mapping import FieldMapping, Flat, builtin_document, builtin_mapping
from socpilot.ingest.readers.mapped_json import MappedJsonReader

_DATA = "entra"


class EntraReader(MappedJsonReader):
    source = "entra"
    description = "Microsoft Entra ID sign-in and audit logs, Azure activity logs, Microsoft 365 audit"

    panther_log_types = frozenset(builtin_document(_DATA)["panther_log_types"])

    def recognises(self, record: dict[str, Any]) -> bool:
        return _family(record) is not None

    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        family = builtin_document(_DATA)["panther_log_types"].get(log_type) or _family(record) or "activity"
        return builtin_mapping(_DATA, family)

    def refine(self, event: EventDict, record: dict[str, Any], flat: Flat) -> None:
        methods = (flat.get("properties.authenticationDetails.authenticationMethod")
                   or flat.get("AuthenticationDetails.authenticationMethod"))  # Sentinel's SigninLogs
        if event.get("auth_mfa") is None and methods:
            single = builtin_document(_DATA)["single_factor_methods"]
            event["auth_mfa"] = any(method not in single for method in methods)
        if event.get("user_agent") is None:
            event["user_agent"] = _extended_property(record, "UserAgent")
        if event.get("auth_outcome") == "success":  # a reason text on success is no failure reason
            event.pop("status_detail", None)


def _family(record: dict[str, Any]) -> str | None:
    """Which mapping a record takes, from its keys; None if it is not an Entra/Azure record."""
    keys = {k.lower(): k for k in record}
    workload = keys.get("workload") or keys.get("officeworkload")
    if workload and "operation" in keys:
        return "m365" if record[workload] == "AzureActiveDirectory" else "m365_activity"
    if "operationname" not in keys or not keys.keys() & {"category", "resourceid"}:
        return None
    category = record.get(keys.get("category", ""))
    resource = str(record.get(keys.get("resourceid", ""), "")).lower()
    if category in builtin_document(_DATA)["entra_categories"] or "microsoft.aadiam" in resource:
        return "diagnostic"
    return "activity"


def _extended_property(record: dict[str, Any], name: str) -> str | None:
    """A value from M365's ``ExtendedProperties: [{"Name": ..., "Value": ...}]``."""
    for item in record.get("ExtendedProperties") or []:
        if isinstance(item, dict) and item.get("Name") == name and isinstance(item.get("Value"), str):
            return item["Value"]
    return None
