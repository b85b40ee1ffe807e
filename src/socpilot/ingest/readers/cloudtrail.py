"""AWS CloudTrail: ``{"Records": [...]}`` delivery files, JSON arrays, one event per line.

The field mapping is data (``mappings/cloudtrail.yaml``); this file adds what a
mapping cannot say: the outcome of an API call is implied (failure only when an
error code or message is present), and an assumed role's user is the session named in its ARN.
"""

from __future__ import annotations

from typing import Any

from socpilot.ingest.reader import EventDict
from socpilot.ingest.readers.field_mapping import FieldMapping, Flat, builtin_mapping, first
from socpilot.ingest.readers.json_records import RECORDS_PREFIX
from socpilot.ingest.readers.mapped_json import MappedJsonReader

_ACCOUNT_KEYS = frozenset({"awsregion", "useridentity", "eventversion", "recipientaccountid"})


class CloudTrailReader(MappedJsonReader):
    source = "cloudtrail"
    description = "AWS CloudTrail (Records files, JSON arrays, JSON lines, Panther test events)"

    panther_log_types = frozenset({"AWS.CloudTrail"})

    def sniff(self, name: str, head: bytes) -> bool:
        # A delivery file's first record can be longer than the head: its opening is enough.
        return bool(RECORDS_PREFIX.match(head[:4096].decode("utf-8", "replace"))) or super().sniff(name, head)

    def recognises(self, record: dict[str, Any]) -> bool:
        keys = {k.lower() for k in record}
        if not keys & _ACCOUNT_KEYS:
            return False
        return ("eventsource" in keys and "eventname" in keys) or {"eventversion", "eventtype"} <= keys

    def mapping_for(self, record: dict[str, Any], log_type: str | None) -> FieldMapping:
        return builtin_mapping("cloudtrail")

    def refine(self, event: EventDict, record: dict[str, Any], flat: Flat) -> None:
        name = first(flat, ["userIdentity.userName"]) or _arn_user(first(flat, ["userIdentity.arn"]))
        if name:
            event["user_name"] = name
        if event.get("auth_outcome") is None and event.get("cloud_action"):
            # CloudTrail writes errorCode and errorMessage only for calls that failed
            event["auth_outcome"] = "failure" if first(flat, ["errorCode", "errorMessage"]) else "success"


def _arn_user(arn: str | None) -> str | None:
    """The user an ARN names: ``user/alice`` -> alice, ``assumed-role/role/session`` -> session, ``root``."""
    if not arn or not arn.startswith("arn:"):
        return None
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1] or None
