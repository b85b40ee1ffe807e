"""CloudTrail ingestion on the real samples: every layout, every record, the fields rules and hunts need."""

from __future__ import annotations

import gzip
import ipaddress
import random
import re
from pathlib import Path

import orjson
import pytest

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.cloudtrail import CloudTrailReader
from socpilot.ingest.readers.entra import EntraReader
from socpilot.ingest.readers.gcp import GcpAuditReader
from socpilot.ingest.readers.generic import GenericReader
from socpilot.ingest.readers.github import GitHubAuditReader
from socpilot.ingest.readers.okta import OktaReader
from socpilot.model.event import Event, event_id
from socpilot.model.ocsf import EventClass

READER = CloudTrailReader()
_DOTTED_QUAD = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def read(path: Path) -> tuple[list[dict], list[Quarantined]]:
    items = list(READER.read(Input(path)))
    return ([i for i in items if not isinstance(i, Quarantined)], [i for i in items if isinstance(i, Quarantined)])


def read_folder(folder: Path) -> list[dict]:
    events: list[dict] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".json", ".jsonl", ".log"):
            got, bad = read(path)
            assert bad == [], path
            events += got
    return events


def cloudtrail(data: Path) -> Path:
    return data / "cloud" / "cloudtrail"


@pytest.mark.parametrize(("part", "count"), [
    ("panther_aws_cloudtrail.jsonl", 374),  # Panther rule tests, wrapped, one per line
    ("panther-test-scenarios", 27),  # native {"Records": [...]} files
    ("stratus-red-team-detonation-logs", 310),  # pretty-printed JSON arrays
    ("otrf-security-datasets", 103),  # JSON lines with logstash @timestamp
    ("elastic-beats", 4),  # one event per line, incl. an Insights event
])
def test_every_cloudtrail_layout_ingests_all_its_records(data: Path, part: str, count: int) -> None:
    path = cloudtrail(data) / part
    events = read_folder(path) if path.is_dir() else read(path)[0]
    assert len(events) == count
    assert {e["source"] for e in events} == {"cloudtrail"}
    assert {e["product"] for e in events} == {"aws"}


def test_actor_action_source_ip_and_outcome_are_filled_wherever_the_record_has_them(data: Path) -> None:
    events = read_folder(cloudtrail(data))
    assert len(events) == 818
    checked = {"actor": 0, "action": 0, "ip": 0, "login": 0}
    for e in events:
        fields = e["fields"]
        if any(k.startswith("userIdentity.") for k in fields):
            assert e["cloud_principal"], fields
            checked["actor"] += 1
        if fields.get("eventName"):
            assert e["cloud_action"] == fields["eventName"]
            assert e["auth_outcome"] in ("success", "failure")
            checked["action"] += 1
        ip = fields.get("sourceIPAddress", "")
        if _DOTTED_QUAD.fullmatch(ip) or ":" in ip:
            assert ipaddress.ip_address(e["src_ip"]), ip
            checked["ip"] += 1
        else:
            assert e.get("src_ip") is None  # "AWS Internal", service names, "redacted"
        if fields.get("responseElements.ConsoleLogin"):
            assert e["auth_outcome"] == fields["responseElements.ConsoleLogin"].lower()
            assert e["class_uid"] == EventClass.AUTHENTICATION
            checked["login"] += 1
    assert checked == {"actor": 795, "action": 814, "ip": 741, "login": 45}


def test_console_login_without_mfa_is_an_authentication_with_mfa_false(data: Path) -> None:
    path = cloudtrail(data) / "stratus-red-team-detonation-logs" / "aws.initial-access.console-login-without-mfa.json"
    [event], [] = read(path)
    assert event["class_uid"] == EventClass.AUTHENTICATION and event["class_name"] == "authentication"
    assert event["auth_mfa"] is False
    assert event["auth_outcome"] == "success"
    assert event["user_name"] == "stratus-red-team-nmfalu-jfzdtsvchl"
    assert event["cloud_principal"] == "arn:aws:iam::562283505220:user/stratus-red-team-nmfalu-jfzdtsvchl"
    assert event["cloud_principal_type"] == "IAMUser"
    assert event["cloud_account"] == "562283505220"
    assert event["src_ip"] == "225.1.0.16"  # anonymised "225.01.00.16": leading zeros dropped
    assert event["fields"]["additionalEventData.MFAUsed"] == "No"
    no_mfa = [e for e in read_folder(cloudtrail(data))
              if e["fields"].get("additionalEventData.MFAUsed") == "No"]
    assert len(no_mfa) == 38 and all(e["auth_mfa"] is False for e in no_mfa)


def test_root_compromise_story_reads_as_who_did_what_to_whom(data: Path) -> None:
    events = read(cloudtrail(data) / "panther-test-scenarios" / "compromised-root-creds" / "attacker_cloudtrail.json")[0]
    story = [(e["cloud_action"], e["user_name"], e.get("target_user_name"), e["auth_outcome"], e.get("status_detail"))
             for e in events if e["class_name"] == "api"]
    assert ("CreateUser", "root", "tracy_stone", "success", None) in story
    assert ("CreateAccessKey", "root", "tracy_stone", "success", None) in story
    assert ("StopLogging", "root", None, "failure", "NotOrganizationMasterAccountException") in story
    # the attacker signs in as root, then works as the user it created, from one address
    assert {(e["cloud_principal"], e["cloud_principal_type"], e["src_ip"]) for e in events} == \
        {("arn:aws:iam::493859302102:root", "Root", "92.55.146.245"),
         ("arn:aws:iam::493859302102:user/tracy_stone", "IAMUser", "92.55.146.245")}
    stop = next(e for e in events if e["cloud_action"] == "StopLogging")
    assert (stop["cloud_service"], stop["cloud_resource"], stop["cloud_region"]) == \
        ("cloudtrail.amazonaws.com", "acme-cloudtrail-us-east-1", "us-east-1")
    get_object = next(e for e in read_folder(cloudtrail(data) / "otrf-security-datasets")
                      if e["cloud_action"] == "GetObject")
    assert get_object["cloud_resource"] == get_object["fields"]["requestParameters.bucketName"]
    assert get_object["access_key_id"] == get_object["fields"]["userIdentity.accessKeyId"]


def test_fields_keep_cloudtrail_names_and_panther_p_fields(data: Path) -> None:
    events, _ = read(cloudtrail(data) / "panther_aws_cloudtrail.jsonl")
    first = events[0]
    assert first["fields"]["eventName"] == "ModifyImageAttribute"
    assert first["fields"]["userIdentity.type"] == "AssumedRole"
    assert first["fields"]["requestParameters.launchPermission.add.items.group"] == "all"
    assert orjson.loads(first["fields"]["requestParameters"])["imageId"] == "ami-1111"  # whole, for |contains
    assert first["user_name"] == "example-user"  # the session of arn:...:assumed-role/example-role/example-user
    with_p = [e for e in events if any(k.startswith("p_") for k in e["fields"])]
    assert with_p and all(e["fields"]["p_log_type"] == "AWS.CloudTrail" for e in with_p if "p_log_type" in e["fields"])


def test_lower_cased_keys_are_respelled_as_cloudtrail_spells_them(data: Path) -> None:
    events, _ = read(cloudtrail(data) / "panther_aws_cloudtrail.jsonl")
    lowered = [e for e in events if '"eventname"' in e["raw"]]
    assert len(lowered) == 8
    for e in lowered:
        assert "eventname" not in e["fields"] and e["fields"]["eventName"] == e["cloud_action"]
        assert e["cloud_service"] == e["fields"]["eventSource"]


def test_records_without_a_usable_time_are_kept_as_undated(data: Path) -> None:
    events, _ = read(cloudtrail(data) / "panther_aws_cloudtrail.jsonl")
    undated = [e for e in events if e["time"].year == 1970]
    assert len(undated) == 19  # Panther tests with no eventTime, or eventTime "redacted"/"..."
    assert {e["fields"].get("eventTime") for e in undated} == {None, "redacted", "..."}


def test_reader_output_validates_against_the_event_model(data: Path) -> None:
    for e in read_folder(cloudtrail(data)):
        Event.model_validate({**e, "id": "x", "file": "f"})


def test_auto_detection_picks_cloudtrail_for_every_layout_and_ids_follow_the_raw_convention(
        data: Path, workspace: Workspace) -> None:
    for path in sorted(cloudtrail(data).rglob("*.json*")) + sorted(cloudtrail(data).rglob("*.log")):
        inp = Input(path)
        reader = detect_reader(inp.name, inp.head())
        assert reader is not None and reader.source == "cloudtrail", path
    folder = cloudtrail(data) / "panther-test-scenarios" / "compromised-root-creds"
    report = workspace.ingest([folder])
    assert report.records == 16 and report.quarantined == 0
    doc = orjson.loads((folder / "attacker_cloudtrail.json").read_bytes())
    expected = {event_id("cloudtrail", orjson.dumps(r, option=orjson.OPT_SORT_KEYS)) for r in doc["Records"]}
    with workspace.connect() as con:
        ids = {row[0].split("#")[0] for row in con.execute(
            "SELECT id FROM events WHERE file LIKE '%attacker_cloudtrail.json'").fetchall()}
    assert ids == expected


def test_invalid_json_line_is_quarantined_with_its_line_number_and_the_rest_kept(data: Path, tmp_path: Path) -> None:
    lines = (cloudtrail(data) / "otrf-security-datasets" /
             "ec2_proxy_s3_exfiltration_2020-09-14011940.json").read_bytes().splitlines()[:5]
    lines.insert(2, b'{"eventName": "Broken", "awsRegion": ')
    path = tmp_path / "trail.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    events, bad = read(path)
    assert len(events) == 5
    assert [q.offset for q in bad] == [3]
    assert "line 3 is not valid JSON" in bad[0].reason
    assert bad[0].head.startswith(b'{"eventName": "Broken"')


def test_truncated_records_file_keeps_complete_records_and_says_where_it_broke(data: Path, tmp_path: Path) -> None:
    whole = (cloudtrail(data) / "panther-test-scenarios" / "compromised-root-creds" /
             "attacker_cloudtrail.json").read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(whole[: len(whole) * 6 // 10])
    events, bad = read(path)
    complete = len(orjson.loads(whole)["Records"])
    assert 0 < len(events) < complete
    assert [e["cloud_action"] for e in events] == [r["eventName"] for r in orjson.loads(whole)["Records"]][:len(events)]
    [q] = bad
    assert "Records document is truncated" in q.reason and f"the {len(events)} complete records" in q.reason


def test_truncated_gzip_keeps_the_lines_before_the_break(data: Path, tmp_path: Path) -> None:
    text = (cloudtrail(data) / "otrf-security-datasets" / "ec2_proxy_s3_exfiltration_2020-09-14011940.json").read_bytes()
    packed = gzip.compress(text * 40)  # 4,120 records, 4 MB: the break lands well inside the stream
    path = tmp_path / "trail.json.gz"
    path.write_bytes(packed[: len(packed) // 2])
    events, bad = read(path)
    assert 1000 < len(events) < 4120
    assert len(bad) == 1 and "compressed stream is broken" in bad[0].reason


def test_hostile_documents_cost_only_their_bad_parts(data: Path, tmp_path: Path) -> None:
    records = orjson.loads((cloudtrail(data) / "stratus-red-team-detonation-logs" /
                            "aws.persistence.iam-create-admin-user.json").read_bytes())
    array = tmp_path / "mixed.json"
    array.write_bytes(orjson.dumps([records[0], 42, "text", records[1], None, records[2]], option=orjson.OPT_INDENT_2))
    events, bad = read(array)
    assert [e["cloud_action"] for e in events] == [r["eventName"] for r in records]
    assert [q.offset for q in bad] == [2, 3, 5] and all("not a JSON object" in q.reason for q in bad)

    deep = b'{"eventName": "Deep", "awsRegion": "x", "nested": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    lines = tmp_path / "deep.json"
    lines.write_bytes(orjson.dumps(records[0]) + b"\n" + deep + b"\n" + orjson.dumps(records[1]) + b"\n")
    events, bad = read(lines)
    assert [e["cloud_action"] for e in events] == [records[0]["eventName"], records[1]["eventName"]]
    assert [q.offset for q in bad] == [2]

    digits = tmp_path / "digits.json"  # a number past Python's 4,300-digit limit, in a pretty-printed object
    digits.write_bytes(b'{\n  "eventName": "X",\n  "awsRegion": "x",\n  "n": ' + b"9" * 5000 + b"\n}\n")
    assert detect_reader(digits.name, Input(digits).head()) is None
    events, bad = read(digits)
    assert events == [] and len(bad) == 1 and "4300 digits" in bad[0].reason


def test_eventbridge_envelopes_are_opened(data: Path, tmp_path: Path) -> None:
    records = orjson.loads((cloudtrail(data) / "stratus-red-team-detonation-logs" /
                            "aws.persistence.iam-create-admin-user.json").read_bytes())
    path = tmp_path / "bus.jsonl"
    path.write_bytes(b"".join(orjson.dumps({
        "version": "0", "id": str(n), "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
        "account": r["recipientAccountId"], "time": r["eventTime"], "region": r["awsRegion"], "resources": [],
        "detail": r}) + b"\n" for n, r in enumerate(records)))
    inp = Input(path)
    reader = detect_reader(inp.name, inp.head())
    assert reader is not None and reader.source == "cloudtrail"
    events, bad = read(path)
    assert bad == [] and [e["cloud_action"] for e in events] == [r["eventName"] for r in records]
    assert events[0]["fields"]["eventSource"] == "iam.amazonaws.com" and "detail-type" not in events[0]["fields"]
    assert events[0]["raw"] == path.read_bytes().splitlines()[0].decode()  # the line, envelope and all


def test_an_api_call_failed_exactly_when_it_has_an_error(data: Path) -> None:
    calls = [e for e in read_folder(cloudtrail(data)) if e["class_name"] == "api" and e.get("cloud_action")]
    failed = [e for e in calls if e["auth_outcome"] == "failure"]
    assert len(calls) == 764 and len(failed) == 104
    assert all((e.get("status_detail") is not None) == (e["auth_outcome"] == "failure") for e in calls)


def test_truncated_gzipped_delivery_file_keeps_the_records_before_the_break(data: Path, tmp_path: Path) -> None:
    whole = (cloudtrail(data) / "panther-test-scenarios" / "compromised-root-creds" /
             "attacker_cloudtrail.json").read_bytes()  # one line, as AWS delivers them
    packed = gzip.compress(whole)
    path = tmp_path / "delivery.json.gz"
    path.write_bytes(packed[: len(packed) * 7 // 10])
    events, bad = read(path)
    names = [r["eventName"] for r in orjson.loads(whole)["Records"]]
    assert 0 < len(events) < len(names) and [e["cloud_action"] for e in events] == names[:len(events)]
    assert len(bad) == 2 and bad[1].offset == len(events) + 1
    assert "Records document is truncated" in bad[0].reason and "stream is broken" in bad[1].reason


def test_damaged_copies_never_stop_a_cloud_or_identity_reader(data: Path, tmp_path: Path) -> None:
    readers = [READER, OktaReader(), EntraReader(), GcpAuditReader(), GitHubAuditReader(), GenericReader()]
    sources = [cloudtrail(data) / "panther-test-scenarios" / "compromised-root-creds" / "attacker_cloudtrail.json",
               cloudtrail(data) / "stratus-red-team-detonation-logs" / "aws.persistence.iam-create-admin-user.json",
               data / "identity" / "okta" / "panther-test-scenarios" / "okta-add-administrator" / "legit_login.jsonl",
               data / "identity" / "azure" / "elastic-integrations" / "signinlogs" / "test-signinlogs-raw.log"]
    rng = random.Random(7)
    path = tmp_path / "damaged.json"
    kept = 0
    for _ in range(40):
        damaged = bytearray(rng.choice(sources).read_bytes())
        for _ in range(rng.randint(1, 20)):
            at = rng.randrange(len(damaged))
            damaged[at:at + rng.randint(0, 30)] = bytes([rng.choice(b'{}[]",:\n\\\xff0')])
        path.write_bytes(bytes(damaged))
        for reader in readers:
            reader.sniff(path.name, bytes(damaged[:65536]))
            for item in reader.read(Input(path)):
                if not isinstance(item, Quarantined):
                    Event.model_validate({**item, "id": "x"})
                    kept += 1
    assert kept > 100  # damage costs the records it touches, not whole files


def test_large_documents_stream_in_pieces_with_the_same_records(data: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from socpilot.ingest.readers import json_records

    folder = cloudtrail(data) / "stratus-red-team-detonation-logs"
    whole = [e for path in sorted(folder.glob("*.json")) for e in read(path)[0]]
    records = [orjson.loads(e["raw"]) for e in whole]
    array = tmp_path / "big_array.json"
    array.write_bytes(orjson.dumps(records, option=orjson.OPT_INDENT_2))
    delivery = tmp_path / "big_delivery.json.gz"
    delivery.write_bytes(gzip.compress(orjson.dumps({"Records": records})))
    # as if these files were gigabytes: parsed piece by piece through a small window
    monkeypatch.setattr(json_records, "WHOLE_DOCUMENT_CHARS", 4096)
    monkeypatch.setattr(json_records, "_CHUNK_BYTES", 1000)
    for path in (array, delivery):
        streamed, bad = read(path)
        assert bad == [] and len(streamed) == 310
        assert [(e["raw"], e["cloud_action"], e["time"]) for e in streamed] == \
            [(e["raw"], e["cloud_action"], e["time"]) for e in whole]


@pytest.mark.parametrize("window", [None, 700])
def test_a_bad_object_among_concatenated_ones_costs_only_itself(data: Path, tmp_path: Path, window: int | None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from socpilot.ingest.readers import json_records

    records = orjson.loads((cloudtrail(data) / "stratus-red-team-detonation-logs" /
                            "aws.credential-access.secretsmanager-batch-retrieve-secrets.json").read_bytes())
    pretty = [orjson.dumps(r, option=orjson.OPT_INDENT_2) for r in records]
    pretty[2] = pretty[2][: len(pretty[2]) // 2]  # one object cut in half
    path = tmp_path / "objects.json"
    path.write_bytes(b"\n".join(pretty) + b"\n")
    if window:  # streamed through a window smaller than one record
        monkeypatch.setattr(json_records, "WHOLE_DOCUMENT_CHARS", window)
        monkeypatch.setattr(json_records, "_CHUNK_BYTES", window)
    events, bad = read(path)
    assert [e["fields"]["eventID"] for e in events] == [r["eventID"] for i, r in enumerate(records) if i != 2]
    assert len(bad) == 1 and "truncated or invalid" in bad[0].reason


def test_an_element_longer_than_any_record_ends_the_array(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from socpilot.ingest.readers import json_records

    monkeypatch.setattr(json_records, "WHOLE_DOCUMENT_CHARS", 100)
    monkeypatch.setattr(json_records, "_CHUNK_BYTES", 100)
    monkeypatch.setattr(json_records, "MAX_ELEMENT_CHARS", 1000)
    ok = {"eventName": "GetObject", "eventSource": "s3.amazonaws.com", "awsRegion": "eu-west-1"}
    path = tmp_path / "array.json"
    path.write_bytes(b"[\n" + orjson.dumps(ok) + b',\n{"eventName": "' + b"x" * 5000 + b"\n]")
    events, bad = read(path)
    assert [e["cloud_action"] for e in events] == ["GetObject"]
    assert len(bad) == 1 and bad[0].offset == 2 and "the 1 complete records before it were kept" in bad[0].reason


def test_a_first_record_longer_than_the_sniffed_head_is_still_recognised(data: Path, tmp_path: Path) -> None:
    records = orjson.loads((cloudtrail(data) / "stratus-red-team-detonation-logs" /
                            "aws.persistence.iam-create-admin-user.json").read_bytes())
    big = {**records[0], "requestParameters": {"policyDocument": "x" * 100_000}}  # 100 KB, past the 64 KB head
    path = tmp_path / "trail.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in [big, *records[1:]]) + b"\n")
    inp = Input(path)
    reader = detect_reader(inp.name, inp.head())
    assert reader is not None and reader.source == "cloudtrail"
    assert [e["cloud_action"] for e in read(path)[0]] == [r["eventName"] for r in records]
