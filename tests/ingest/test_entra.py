"""Entra ID / Azure ingestion on the real samples: sign-ins, audit, M365 directory audit, Azure activity."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.entra import EntraReader
from socpilot.model.event import Event
from socpilot.model.ocsf import EventClass

READER = EntraReader()


def read(path: Path) -> tuple[list[dict], list[Quarantined]]:
    items = list(READER.read(Input(path)))
    return ([i for i in items if not isinstance(i, Quarantined)], [i for i in items if isinstance(i, Quarantined)])


def azure(data: Path) -> Path:
    return data / "identity" / "azure"


def elastic(data: Path) -> list[dict]:
    events: list[dict] = []
    for path in sorted((azure(data) / "elastic-integrations").rglob("*.log")):
        got, bad = read(path)
        assert bad == []
        events += got
    return events


@pytest.mark.parametrize(("part", "count", "source"), [
    ("identity/azure/panther_azure_audit.jsonl", 32, "entra"),
    ("identity/azure/panther_m365_audit_azuread.jsonl", 4, "entra"),
    ("cloud/azure-activity/panther_azure_monitoractivity.jsonl", 203, "azure"),
])
def test_panther_azure_files_ingest_every_event(data: Path, part: str, count: int, source: str) -> None:
    events, bad = read(data / part)
    assert bad == [] and len(events) == count
    assert {e["source"] for e in events} == {source}


def test_raw_diagnostic_records_ingest_with_their_categories(data: Path) -> None:
    events = elastic(data)
    assert len(events) == 13
    channels = sorted(e["channel"] for e in events)
    assert channels.count("AuditLogs") == 6 and channels.count("SignInLogs") == 3
    assert {"NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs",
            "MicrosoftServicePrincipalSignInLogs"} <= set(channels)
    sign_ins = [e for e in events if e["channel"].endswith("SignInLogs")]
    assert all(e["class_uid"] == EventClass.AUTHENTICATION for e in sign_ins)
    assert all(e["class_name"] == "account_change" for e in events if e["channel"] == "AuditLogs")


def test_user_source_ip_and_outcome_are_filled_wherever_the_record_has_them(data: Path) -> None:
    events = elastic(data) + read(azure(data) / "panther_azure_audit.jsonl")[0]
    counts = {"user": 0, "ip": 0, "sign_in": 0}
    for e in events:
        f = e["fields"]
        upn = f.get("properties.userPrincipalName") or f.get("properties.initiatedBy.user.userPrincipalName")
        if upn:
            assert e["user_name"] == upn
            counts["user"] += 1
        ip = f.get("properties.ipAddress") or f.get("properties.initiatedBy.user.ipAddress") or f.get("callerIpAddress")
        if ip:
            assert e["src_ip"] == ip
            counts["ip"] += 1
        assert e["auth_outcome"] in ("success", "failure"), f
        assert e["auth_outcome"] == "failure" or e.get("status_detail") is None
        if e["class_uid"] == EventClass.AUTHENTICATION:
            code = f.get("properties.status.errorCode") or f.get("resultType")
            assert e["auth_outcome"] == ("success" if code in ("0", "Success") else "failure"), code
            counts["sign_in"] += 1
    assert counts == {"user": 39, "ip": 41, "sign_in": 22}


def test_failed_sign_in_keeps_its_error_code_and_country(data: Path) -> None:
    [first, *_], _ = read(azure(data) / "elastic-integrations" / "signinlogs" / "test-signinlogs-raw.log")
    assert first["user_name"] == "test@elastic.co"
    assert first["auth_outcome"] == "failure" and first["status_detail"] == "50140"
    assert first["src_ip"] == "81.2.69.144" and first["src_country"] == "FR"
    assert first["cloud_resource"] == "Office 365"  # the application signed in to
    assert first["time"].isoformat() == "2019-10-18T09:45:48.072989+00:00"


def test_single_factor_sign_in_is_mfa_false(data: Path) -> None:
    events, _ = read(azure(data) / "elastic-integrations" / "signinlogs" / "test-signinlogs-sample.log")
    assert [e["auth_mfa"] for e in events] == [False, False]
    assert {e["auth_outcome"] for e in events} == {"success"}
    single = [e for e in read(azure(data) / "panther_azure_audit.jsonl")[0]
              if e["fields"].get("properties.authenticationRequirement") == "singleFactorAuthentication"]
    assert len(single) == 2 and all(e["auth_mfa"] is False for e in single)


def test_m365_login_failure_is_an_authentication_failure_with_user_agent(data: Path) -> None:
    events, _ = read(azure(data) / "panther_m365_audit_azuread.jsonl")
    failed = next(e for e in events if e["event_code"] == "UserLoginFailed")
    assert failed["class_uid"] == EventClass.AUTHENTICATION
    assert failed["auth_outcome"] == "failure"  # although its ResultStatus says Success
    assert failed["status_detail"] == "InvalidUserNameOrPassword"
    assert failed["user_name"] == "sample.user@yourorg.onmicrosoft.com" and failed["src_ip"] == "1.2.3.4"
    assert failed["user_agent"].startswith("Mozilla/5.0 (Macintosh")
    assert failed["product"] == "m365"


def test_azure_activity_is_api_activity_with_caller_address_without_port(data: Path) -> None:
    events, _ = read(data / "cloud" / "azure-activity" / "panther_azure_monitoractivity.jsonl")
    assert {e["class_name"] for e in events} == {"api"}
    for e in events:  # operationName is a string, or {"value", "localizedValue"} in the activity API
        assert e["cloud_action"] == e["fields"].get("operationName.value", e["fields"]["operationName"])
    with_ip = [e for e in events if e["fields"].get("callerIpAddress")]
    assert len(with_ip) == 177 and all(e["src_ip"] for e in with_ip)
    # status_detail says why a call failed, and only then
    assert {e.get("status_detail") for e in events if e.get("auth_outcome") == "success"} == {None}
    assert sorted(e["status_detail"] for e in events if e.get("status_detail")) == ["403"] * 7 + ["409"] * 3
    blob = next(e for e in events if e["fields"].get("callerIpAddress") == "5.5.5.5:28915")
    assert blob["src_ip"] == "5.5.5.5" and blob["cloud_action"] == "DeleteBlob"
    assert blob["user_agent"].startswith("AZURECLI/2.79.0")


def test_lower_cased_diagnostic_keys_normalize(data: Path) -> None:
    events, _ = read(azure(data) / "panther_azure_audit.jsonl")
    lowered = [e for e in events if '"calleripaddress"' in e["raw"]]
    assert len(lowered) == 2
    for e in lowered:
        assert e["fields"]["callerIpAddress"] == "12.12.12.12" and e["src_ip"] == "12.12.12.12"
        assert e["event_code"] == "Sign-in activity" and e["class_name"] == "authentication"
    assert sorted(e["auth_outcome"] for e in lowered) == ["failure", "success"]


def test_log_analytics_audit_rows_with_json_text_columns_normalize(data: Path) -> None:
    zipped = data / "windows-json" / "otrf" / "compound" / "GoldenSAMLADFSMailAccess" / "AADAuditEvents.Zip"
    inp = Input(zipped, "AADAuditEvents.json")
    reader = detect_reader(inp.name, inp.head())
    assert reader is not None and reader.source == "entra"
    events = list(READER.read(inp))
    assert len(events) == 4
    # the export's Type column: the table name, overwritten by the target's type in two rows
    assert sorted(e["channel"] for e in events) == ["Application", "AuditLogs", "AuditLogs", "ServicePrincipal"]
    assert {e["user_name"] for e in events} == {"pgustavo@simulandlabs.com"}  # from InitiatedBy's JSON text
    assert {e["auth_outcome"] for e in events} == {"success"}
    assert sorted(e["cloud_resource"] for e in events) == ["Microsoft Graph"] + ["SimuLandApp"] * 3
    assert {e["time"].date().isoformat() for e in events} == {"2021-08-02"}
    assert all("OperationName" in e["fields"] for e in events)  # the table's own spelling, as rules name it


def test_log_analytics_sign_in_row_normalizes_like_a_diagnostic_record(tmp_path: Path) -> None:
    row = {"TimeGenerated": "2024-03-01T10:00:00Z", "OperationName": "Sign-in activity", "Category": "SignInLogs",
           "ResourceId": "/tenants/t/providers/Microsoft.aadiam", "ResultType": "50126", "Type": "SigninLogs",
           "UserPrincipalName": "eve@example.com", "IPAddress": "198.51.100.7", "Location": "NL",
           "AppDisplayName": "Azure Portal", "AuthenticationRequirement": "multiFactorAuthentication",
           "Status": '{"errorCode": 50126, "failureReason": "Invalid username or password."}'}
    path = tmp_path / "SigninLogs.json"
    path.write_bytes(orjson.dumps(row) + b"\n")
    [e] = read(path)[0]
    assert (e["class_name"], e["channel"], e["user_name"], e["src_ip"], e["src_country"]) == \
        ("authentication", "SigninLogs", "eve@example.com", "198.51.100.7", "NL")
    assert (e["auth_outcome"], e["status_detail"], e["auth_mfa"]) == ("failure", "50126", True)
    assert e["fields"]["OperationName"] == "Sign-in activity" and e["fields"]["Status.errorCode"] == "50126"


def test_exchange_mailbox_access_from_the_golden_saml_story_is_m365_activity(data: Path) -> None:
    zipped = data / "windows-json" / "otrf" / "compound" / "GoldenSAMLADFSMailAccess" / "OfficeActivityEvents.Zip"
    inp = Input(zipped, "OfficeActivityEvents.json")
    reader = detect_reader(inp.name, inp.head())
    assert reader is not None and reader.source == "entra"
    [event] = list(READER.read(inp))
    assert (event["source"], event["product"], event["class_name"]) == ("m365", "m365", "api")
    assert (event["cloud_action"], event["channel"]) == ("MailItemsAccessed", "Exchange")
    assert (event["user_name"], event["src_ip"], event["auth_outcome"]) == ("pgustavo@simulandlabs.com", "1.2.3.4",
                                                                             "success")
    assert event["time"].isoformat() == "2021-08-02T13:32:07+00:00"
    assert event["fields"]["OperationProperties.Name"] == '["MailAccessType","IsThrottled"]'  # JSON text, opened
    Event.model_validate({**event, "id": "x"})


def test_invalid_line_is_quarantined_and_the_rest_kept(data: Path, tmp_path: Path) -> None:
    lines = (azure(data) / "elastic-integrations" / "signinlogs" / "test-signinlogs-raw.log").read_bytes().splitlines()
    path = tmp_path / "signins.log"
    path.write_bytes(b"\n".join(lines[:2] + [b"\xff\xfe not json"] + lines[2:]))
    events, bad = read(path)
    assert len(events) == 5 and [q.offset for q in bad] == [3]


def test_detected_and_stored_under_entra_and_azure(data: Path, workspace: Workspace) -> None:
    files = sorted(azure(data).rglob("*.log")) + sorted(azure(data).glob("*.jsonl")) + \
        [data / "cloud" / "azure-activity" / "panther_azure_monitoractivity.jsonl"]
    for path in files:
        inp = Input(path)
        reader = detect_reader(inp.name, inp.head())
        assert reader is not None and reader.source == "entra", path
        for e in read(path)[0]:
            Event.model_validate({**e, "id": "x"})
    report = workspace.ingest(files)
    assert report.records == 13 + 32 + 4 + 203 and report.quarantined == 0
    with workspace.connect() as con:
        rows = dict(con.execute("SELECT source, count(*) FROM events GROUP BY source").fetchall())
        raw, = con.execute("SELECT raw FROM events WHERE event_code = 'UserLoginFailed'").fetchone()
    assert rows == {"entra": 49, "azure": 203}
    assert orjson.loads(raw)["log"]["Operation"] == "UserLoginFailed"  # the Panther line, intact


def test_utf16_pretty_printed_export_reads_like_the_original(data: Path, tmp_path: Path) -> None:
    source = azure(data) / "elastic-integrations" / "signinlogs" / "test-signinlogs-raw.log"
    records = [orjson.loads(line) for line in source.read_bytes().splitlines() if line.strip()]
    path = tmp_path / "signins.json"  # what PowerShell's ConvertTo-Json | Out-File writes
    path.write_bytes(b"\xff\xfe" + orjson.dumps(records, option=orjson.OPT_INDENT_2).decode().replace(
        "\n", "\r\n").encode("utf-16-le"))
    inp = Input(path)
    reader = detect_reader(inp.name, inp.head())
    assert reader is not None and reader.source == "entra"
    events, bad = read(path)
    assert bad == [] and len(events) == 5
    assert [e["channel"] for e in events] == [r["category"] for r in records]
    assert {e["user_name"] for e in events} >= {"test@elastic.co"}
