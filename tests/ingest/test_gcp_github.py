"""GCP audit and GitHub audit ingestion on Panther's real test events."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.gcp import GcpAuditReader
from socpilot.ingest.readers.github import GitHubAuditReader
from socpilot.model.event import Event
from socpilot.model.ocsf import EventClass


def read(reader: GcpAuditReader | GitHubAuditReader, path: Path) -> list[dict]:
    items = list(reader.read(Input(path)))
    assert not [i for i in items if isinstance(i, Quarantined)]
    return items  # type: ignore[return-value]


def gcp(data: Path) -> Path:
    return data / "cloud" / "gcp-audit" / "panther_gcp_auditlog.jsonl"


def github(data: Path) -> Path:
    return data / "cloud" / "github-audit" / "panther_github_audit.jsonl"


def test_gcp_audit_entries_normalize_method_principal_address_and_status(data: Path) -> None:
    events = read(GcpAuditReader(), gcp(data))
    assert len(events) == 135 and {e["source"] for e in events} == {"gcp"}
    counts = {"action": 0, "principal": 0, "ip": 0, "failed": 0}
    for e in events:
        f = e["fields"]
        Event.model_validate({**e, "id": "x"})
        if f.get("protoPayload.methodName"):
            assert e["cloud_action"] == f["protoPayload.methodName"]
            assert e["auth_outcome"] in ("success", "failure")
            counts["action"] += 1
        if f.get("protoPayload.authenticationInfo.principalEmail"):
            assert e["user_name"] == f["protoPayload.authenticationInfo.principalEmail"]
            counts["principal"] += 1
        caller = f.get("protoPayload.requestMetadata.callerIp") or f.get("protoPayload.requestMetadata.callerIP")
        if caller:
            try:
                address = str(ipaddress.ip_address(caller))
            except ValueError:  # "private": not an address
                assert e.get("src_ip") is None
            else:
                assert e["src_ip"] == address
                counts["ip"] += 1
        if f.get("protoPayload.status.code", "0") != "0":
            assert e["auth_outcome"] == "failure" and e["status_detail"] == f["protoPayload.status.code"]
            counts["failed"] += 1
    assert counts == {"action": 126, "principal": 117, "ip": 94, "failed": 9}


def test_gcp_lower_cased_payload_is_respelled(data: Path) -> None:
    lowered = [e for e in read(GcpAuditReader(), gcp(data)) if '"protopayload"' in e["raw"]]
    assert len(lowered) == 5
    assert all("protopayload" not in e["fields"] and "protoPayload" in e["fields"] for e in lowered)
    assert sum(1 for e in lowered if e.get("cloud_action")) == 3


def test_github_audit_normalizes_action_actor_and_country(data: Path) -> None:
    events = read(GitHubAuditReader(), github(data))
    assert len(events) == 79 and {e["source"] for e in events} == {"github"}
    assert all(e["cloud_action"] == e["fields"]["action"] for e in events)
    assert sum(1 for e in events if e.get("user_name")) == 77
    assert sum(1 for e in events if e.get("src_country")) == 24
    invites = [e for e in events if e["cloud_action"] == "org.invite_member"]
    assert len(invites) == 3 and all(e["class_uid"] == EventClass.ACCOUNT_CHANGE for e in invites)
    epoch_ms = next(e for e in events if e["fields"].get("created_at") == "1621305118553")
    assert epoch_ms["time"].isoformat() == "2021-05-18T02:31:58.553000+00:00"


def test_both_are_auto_detected_and_not_taken_for_each_other(data: Path) -> None:
    for path, source in [(gcp(data), "gcp"), (github(data), "github")]:
        inp = Input(path)
        reader = detect_reader(inp.name, inp.head())
        assert reader is not None and reader.source == source
