"""The fundamentals report finds planted weaknesses in real-format telemetry, and nothing else."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from socpilot.api import Workspace
from socpilot.inventory import import_inventory
from socpilot.posture import posture_report, render_markdown
from socpilot.posture.secrets import find_secrets

KEY = "AKIA" + "Q" * 16  # the shape of an AWS key id, not a real key


def _windows_line(host: str, event_id: int, channel: str, when: str, **data: str) -> str:
    record = {"EventID": event_id, "Channel": channel, "Hostname": host, "@timestamp": when,
              "SourceName": "Microsoft-Windows-Sysmon" if channel.endswith("Operational")
              else "Microsoft-Windows-Security-Auditing", **data}
    return orjson.dumps(record).decode()


def _cloudtrail(name: str, when: str, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "eventVersion": "1.08", "eventTime": when, "eventSource": "s3.amazonaws.com", "eventName": name,
        "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "userName": "mallory", "accountId": "111122223333",
                         "arn": "arn:aws:iam::111122223333:user/mallory", "accessKeyId": "ASIAEXAMPLEEXAMPLE01"},
    }
    record.update(extra)
    return record


@pytest.fixture
def planted(workspace: Workspace, tmp_path: Path) -> Workspace:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "hosts.json").write_text("\n".join([
        _windows_line("WS-SYS.corp.example", 1, "Microsoft-Windows-Sysmon/Operational", "2026-11-20T09:00:00Z",
                      Image="C:\\Windows\\System32\\notepad.exe", CommandLine="notepad.exe report.txt",
                      ParentImage="C:\\Windows\\explorer.exe", User="CORP\\alice"),
        _windows_line("WS-NOSYSMON.corp.example", 4688, "Security", "2026-11-20T09:05:00Z",
                      NewProcessName="C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe",
                      CommandLine=f"aws configure set aws_access_key_id {KEY}",
                      ParentProcessName="C:\\Windows\\System32\\cmd.exe", SubjectUserName="bob"),
        _windows_line("WS-SYS.corp.example", 4624, "Security", "2026-11-20T09:10:00Z",
                      TargetUserName="admin.carol", TargetDomainName="CORP", LogonType="2",
                      IpAddress="-", SubjectUserName="WS-SYS$"),
    ]) + "\n")
    records = [
        _cloudtrail("ConsoleLogin", "2026-11-20T10:00:00Z", eventSource="signin.amazonaws.com",
                    responseElements={"ConsoleLogin": "Success"}, additionalEventData={"MFAUsed": "No"}),
        _cloudtrail("PutBucketPolicy", "2026-11-20T10:05:00Z", requestParameters={
            "bucketName": "payroll-exports",
            "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}}),
        _cloudtrail("GetBucketPolicy", "2026-11-20T10:06:00Z", requestParameters={"bucketName": "website"}),
        _cloudtrail("StopLogging", "2026-11-20T10:07:00Z", eventSource="cloudtrail.amazonaws.com",
                    requestParameters={"name": "org-trail"}),
    ]
    (logs / "cloudtrail.json").write_bytes(orjson.dumps({"Records": records}))
    report = workspace.ingest([logs])
    assert report.quarantined == 0 and report.records == 7
    people = tmp_path / "people.csv"
    people.write_text("user,email,groups,privileged,mfa_enrolled\n"
                      "alice,alice@corp.example,Sales,no,yes\n"
                      "admin.carol,carol@corp.example,Domain Admins,yes,yes\n"
                      "dave,dave@corp.example,Finance,no,no\n")
    import_inventory(workspace, people)
    return workspace


def test_every_planted_weakness_is_found_with_evidence(planted: Workspace) -> None:
    findings = {f.id: f for f in posture_report(planted)}
    assert [i.subject for i in findings["mfa_signins"].items] == ["mallory"]
    assert [i.subject for i in findings["mfa_not_enrolled"].items] == ["dave"]
    assert [i.subject for i in findings["public_buckets"].items] == ["payroll-exports"]
    assert [i.subject for i in findings["logging_disabled"].items] == ["org-trail"]
    assert [i.subject for i in findings["hosts_without_sysmon"].items] == ["WS-NOSYSMON.corp.example"]
    assert [i.subject for i in findings["privileged_interactive"].items] == ["admin.carol"]
    [secret] = findings["secrets_in_telemetry"].items
    assert secret.subject.startswith("AKIA") and KEY not in secret.subject and "*" in secret.subject
    con = planted.connect()
    known = {row[0] for row in con.execute("SELECT id FROM events").fetchall()}
    for finding in findings.values():
        for item in finding.items:
            assert item.evidence, (finding.id, item.subject)
            assert all(e in known or e.startswith("inventory:") for e in item.evidence)


def test_nothing_unplanted_is_reported(planted: Workspace) -> None:
    ids = {f.id for f in posture_report(planted)}
    assert "cloud_root_usage" not in ids and "shared_accounts" not in ids and "old_access_keys" not in ids
    public = next(f for f in posture_report(planted) if f.id == "public_buckets")
    assert "website" not in {i.subject for i in public.items}


def test_markdown_report_keeps_hostile_values_inert(planted: Workspace) -> None:
    text = render_markdown(posture_report(planted))
    assert "## Buckets made public" in text and "Fix:" in text
    assert KEY not in text


def test_secret_patterns_recognise_and_mask_common_credentials() -> None:
    kinds = {h.kind for h in find_secrets("net use \\\\srv /user:bob -p Winter2026! && "
                                          "curl https://svc:hunter22@intra.example/api")}
    assert kinds == {"password_argument", "password_in_url"}
    assert find_secrets("powershell -enc SQBFAFgA") == []
