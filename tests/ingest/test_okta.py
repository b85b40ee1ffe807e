"""Okta System Log ingestion on the real samples: counts, actor/IP/outcome, case-insensitive keys, MFA."""

from __future__ import annotations

from pathlib import Path

import orjson

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.okta import OktaReader
from socpilot.model.event import Event, event_id
from socpilot.model.ocsf import EventClass

READER = OktaReader()


def read(path: Path) -> tuple[list[dict], list[Quarantined]]:
    items = list(READER.read(Input(path)))
    return ([i for i in items if not isinstance(i, Quarantined)], [i for i in items if isinstance(i, Quarantined)])


def okta(data: Path) -> Path:
    return data / "identity" / "okta"


def all_events(data: Path) -> list[dict]:
    events: list[dict] = []
    for path in sorted(okta(data).rglob("*.jsonl")):
        got, bad = read(path)
        assert bad == [], path
        events += got
    return events


def test_panther_and_scenario_files_ingest_every_event(data: Path) -> None:
    assert len(read(okta(data) / "panther_okta_systemlog.jsonl")[0]) == 66
    scenarios = [e for path in sorted((okta(data) / "panther-test-scenarios").rglob("*.jsonl")) for e in read(path)[0]]
    assert len(scenarios) == 20
    assert {e["source"] for e in scenarios} == {"okta"}
    assert sum(e["event_code"] == "user.session.start" for e in scenarios) == 18


def test_actor_source_ip_country_and_outcome_are_filled_wherever_the_record_has_them(data: Path) -> None:
    events = all_events(data)
    assert len(events) == 86
    counts = {"actor": 0, "ip": 0, "country": 0, "outcome": 0}
    for e in events:
        f = e["fields"]
        if f.get("actor.alternateId"):
            assert e["user_name"] == f["actor.alternateId"]
            counts["actor"] += 1
        if f.get("client.ipAddress"):
            assert e["src_ip"] == f["client.ipAddress"]
            counts["ip"] += 1
        if f.get("client.geographicalContext.country"):
            assert e["src_country"] == f["client.geographicalContext.country"]
            counts["country"] += 1
        if f.get("outcome.result"):
            expected = {"SUCCESS": "success", "FAILURE": "failure", "DENY": "failure"}.get(f["outcome.result"], "other")
            assert e["auth_outcome"] == expected
            counts["outcome"] += 1
    assert counts == {"actor": 83, "ip": 82, "country": 58, "outcome": 79}


def test_lower_cased_keys_normalize_like_camel_case(data: Path) -> None:
    events, _ = read(okta(data) / "panther_okta_systemlog.jsonl")
    lowered = [e for e in events if '"eventtype"' in e["raw"]]
    assert len(lowered) == 33
    for e in lowered:
        assert e["event_code"] == e["fields"]["eventType"]  # respelled, as Sigma rules name it
        assert "eventtype" not in e["fields"]
        assert e["fields"].get("displayMessage") == e.get("message")
        assert "displaymessage" not in e["fields"]
    proxy = next(e for e in lowered if e["fields"].get("securityContext.isProxy") == "true")
    assert proxy["fields"]["debugContext.debugData.requestUri"].startswith("/api/v1/users/")


def test_sign_ins_are_authentication_and_mfa_events_say_so(data: Path) -> None:
    events = all_events(data)
    starts = [e for e in events if e.get("event_code") == "user.session.start"]
    assert len(starts) == 40 and all(e["class_uid"] == EventClass.AUTHENTICATION for e in starts)
    mfa = [e for e in events if e.get("event_code") == "user.authentication.auth_via_mfa"]
    assert len(mfa) == 4 and all(e["auth_mfa"] is True for e in mfa)
    created = next(e for e in events if e.get("event_code") == "user.lifecycle.create")
    assert created["class_name"] == "account_change"
    assert created["user_name"] == "jack.naglieri@runpanther.io"
    assert created["target_user_name"] == "thomas12223391@gmail.com"
    assert created["src_country"] == "France" and created["src_ip"] == "194.88.246.242"
    assert created["time"].isoformat() == "2021-07-02T16:31:05.784000+00:00"


def test_brute_force_scenario_is_nine_failed_sign_ins_then_a_success(data: Path) -> None:
    events, _ = read(okta(data) / "panther-test-scenarios" / "okta-add-administrator" / "brute_force_logins.jsonl")
    assert [e["auth_outcome"] for e in events] == ["failure"] * 9 + ["success"]
    assert [e.get("status_detail") for e in events] == ["VERIFICATION_ERROR"] * 9 + [None]
    assert len({e["user_name"] for e in events}) == 1


def test_json_array_export_gives_the_same_events_with_sorted_record_raw(data: Path, tmp_path: Path) -> None:
    source = okta(data) / "panther-test-scenarios" / "okta-add-administrator" / "legit_login.jsonl"
    records = [orjson.loads(line) for line in source.read_bytes().splitlines() if line.strip()]
    path = tmp_path / "okta_export.json"
    path.write_bytes(orjson.dumps(records, option=orjson.OPT_INDENT_2))
    as_array, bad = read(path)
    as_lines, _ = read(source)
    assert bad == [] and len(as_array) == len(as_lines) == 5
    for a, b in zip(as_array, as_lines, strict=True):
        assert (a["user_name"], a["src_ip"], a["time"], a["auth_outcome"]) == \
            (b["user_name"], b["src_ip"], b["time"], b["auth_outcome"])
        assert a["raw"] == orjson.dumps(orjson.loads(b["raw"]), option=orjson.OPT_SORT_KEYS).decode()


def test_invalid_line_is_quarantined_by_line_number_and_the_rest_kept(data: Path, tmp_path: Path) -> None:
    lines = (okta(data) / "panther-test-scenarios" / "okta-add-administrator" /
             "brute_force_logins.jsonl").read_bytes().splitlines()
    lines[4] = lines[4][:100]  # a line cut mid-record
    path = tmp_path / "okta.jsonl"
    path.write_bytes(b"\n".join(lines))
    events, bad = read(path)
    assert len(events) == 9
    assert [q.offset for q in bad] == [5] and "line 5 is not valid JSON" in bad[0].reason


def test_auto_detected_end_to_end_and_valid_against_the_event_model(data: Path, workspace: Workspace) -> None:
    path = okta(data) / "panther_okta_systemlog.jsonl"
    inp = Input(path)
    reader = detect_reader(inp.name, inp.head())
    assert reader is not None and reader.source == "okta"
    for e in read(path)[0]:
        Event.model_validate({**e, "id": "x"})
    report = workspace.ingest([okta(data)])
    assert report.records == 86 and report.quarantined == 0
    first_line = path.read_bytes().splitlines()[0].decode()
    with workspace.connect() as con:
        count, = con.execute("SELECT count(*) FROM events WHERE source = 'okta'").fetchone()
        ids = {row[0] for row in con.execute("SELECT id FROM events").fetchall()}
    assert count == 86
    assert event_id("okta", first_line) in ids


def test_target_user_is_the_user_among_the_targets(tmp_path: Path) -> None:
    record = {"published": "2024-05-02T18:46:21.121Z", "eventType": "application.user_membership.add",
              "actor": {"alternateId": "admin@acme.io", "type": "User"}, "outcome": {"result": "SUCCESS"},
              "target": [{"type": "AppInstance", "alternateId": "Salesforce"},
                         {"type": "User", "alternateId": "bob@acme.io"}]}
    path = tmp_path / "okta.json"
    path.write_bytes(orjson.dumps([record, {**record, "target": [{"type": "AppInstance", "alternateId": "x"}]}]))
    with_user, without_user = read(path)[0]
    assert with_user["target_user_name"] == "bob@acme.io" and with_user["user_name"] == "admin@acme.io"
    assert without_user.get("target_user_name") is None
    assert with_user["class_name"] == "api" and with_user["auth_outcome"] == "success"
