"""The generic reader: CSV and JSON lines normalized by a user's YAML mapping, end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from socpilot.api import Workspace
from socpilot.cli import app
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers.field_mapping import MappingError, load_mapping, normalize_ip, parse_time
from socpilot.ingest.readers.generic import GenericReader, preview
from socpilot.model.event import Event, event_id
from socpilot.model.ocsf import EventClass

FIREWALL_CSV = """\
when,SrcAddr,SrcPort,DstAddr,DstPort,Proto,Account,Verdict,Rule
27/11/2026 08:15:02,10.0.0.5,51544,93.184.216.34,443,tcp,alice,allow,web-out
27/11/2026 08:15:09,10.0.0.7,51545,"203.0.113.9",22,tcp,bob,deny,"ssh, blocked"
27/11/2026 08:16:00,10.0.0.7,51546,203.0.113.9,22,tcp
not a date,10.0.0.8,51547,203.0.113.9,22,tcp,carol,deny,ssh
"""

FIREWALL_MAPPING = """\
source: acmefw
product: acme
format: csv
class: network
time:
  column: when
  format: "%d/%m/%Y %H:%M:%S"
columns:
  SrcAddr: src_ip
  SrcPort: src_port
  DstAddr: dst_ip
  DstPort: dst_port
  Proto: protocol
  Account: user_name
  Verdict: [activity, auth_outcome]
values:
  Verdict:
    auth_outcome: {allow: success, deny: failure}
"""

APP_JSONL_MAPPING = """\
source: payroll
time:
  column: [event.created, ts]
  format: epoch_ms
class_by:
  column: event.kind
  match: {login: authentication, "admin.*": account_change}
columns:
  actor.email: user_name
  client.ip: src_ip
  client.ua: user_agent
  event.kind: [event_code, cloud_action]
  result: auth_outcome
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_a_mapping_ingests_typed_fields_and_keeps_unmapped_columns(workspace: Workspace,
                                                                              tmp_path: Path) -> None:
    logs = write(tmp_path, "fw.log", FIREWALL_CSV)
    report = workspace.ingest([logs], mapping=write(tmp_path, "fw.yaml", FIREWALL_MAPPING))
    assert report.records == 2
    [short, bad_time] = report.results[0].quarantined
    assert short.offset == 4 and "line 4 has 6 columns, the header has 9" in short.reason
    assert bad_time.offset == 5 and "not a date" in bad_time.reason
    with workspace.connect() as con:
        rows = con.execute(
            "SELECT source, product, class_uid, class_name, time, src_ip, src_port, dst_ip, dst_port, protocol, "
            "user_name, activity, auth_outcome, fields, raw, id FROM events ORDER BY time").fetchall()
    first, second = rows
    assert first[:13] == ("acmefw", "acme", int(EventClass.NETWORK), "network",
                          datetime(2026, 11, 27, 8, 15, 2, tzinfo=UTC), "10.0.0.5", 51544, "93.184.216.34", 443,
                          "tcp", "alice", "allow", "success")
    assert second[12] == "failure" and second[7] == "203.0.113.9"
    assert dict(second[13])["Rule"] == "ssh, blocked"  # unmapped, quoted separator kept
    assert dict(first[13])["Rule"] == "web-out"
    assert second[14] == '27/11/2026 08:15:09,10.0.0.7,51545,"203.0.113.9",22,tcp,bob,deny,"ssh, blocked"'
    assert second[15] == event_id("acmefw", second[14])


def test_jsonl_with_nested_fields_epoch_times_and_class_rules(tmp_path: Path) -> None:
    records = [
        {"event": {"created": 1764230400000, "kind": "login"}, "actor": {"email": "ann@example.com"},
         "client": {"ip": "198.51.100.4:6000", "ua": "curl/8"}, "result": "success", "extra": {"n": 1}},
        {"event": {"created": 1764230460000, "kind": "admin.grant"}, "actor": {"email": "ann@example.com"},
         "client": {"ip": "not-an-ip"}, "tags": ["a", "b"]},
        {"ts": "1764230520", "event": {"kind": "export"}},
    ]
    logs = write(tmp_path, "payroll.jsonl", "\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    reader = GenericReader(load_mapping(write(tmp_path, "payroll.yaml", APP_JSONL_MAPPING.replace(
        "format: epoch_ms", "format: iso"))))
    items = list(reader.read(Input(logs)))
    events = [i for i in items if not isinstance(i, Quarantined)]
    [bad] = [i for i in items if isinstance(i, Quarantined)]
    assert bad.offset == 4
    login, grant, export = events
    assert login["time"] == datetime(2025, 11, 27, 8, 0, tzinfo=UTC)  # ms since the epoch, told by size
    assert export["time"] == datetime(2025, 11, 27, 8, 2, tzinfo=UTC)
    assert (login["source"], login["class_name"], login["user_name"], login["src_ip"], login["user_agent"]) == \
        ("payroll", "authentication", "ann@example.com", "198.51.100.4", "curl/8")
    assert grant["class_uid"] == EventClass.ACCOUNT_CHANGE and grant.get("src_ip") is None
    assert export["class_name"] == "base" and export["cloud_action"] == "export"
    assert login["fields"]["extra.n"] == "1" and orjson.loads(grant["fields"]["tags"]) == ["a", "b"]
    assert grant["fields"]["client.ip"] == "not-an-ip"  # kept as written even though it is not an IP
    for e in events:
        Event.model_validate({**e, "id": "x"})


def test_cli_ingest_with_mapping_reports_per_source_and_rejects_a_bad_mapping(tmp_path: Path) -> None:
    home = tmp_path / "home"
    logs = write(tmp_path, "fw.csv", FIREWALL_CSV)
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(logs), "--mapping", str(write(tmp_path, "fw.yaml", FIREWALL_MAPPING)),
                                 "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["records"] == 2 and doc["quarantined"] == 2
    bad = write(tmp_path, "bad.yaml", "source: x\ncolumns:\n  SrcAddr: source_address\n")
    result = runner.invoke(app, ["ingest", str(logs), "--mapping", str(bad), "--home", str(home)])
    assert result.exit_code == 2
    assert "source_address" in result.output and "not an Event field" in result.output


@pytest.mark.parametrize(("doc", "message"), [
    ("- a list", "a mapping is a YAML dictionary"),
    ("sources: x", "unknown keys ['sources']"),
    ("class: firewall", "unknown class 'firewall'"),
    ("format: xml", "format is csv or json"),
    ("columns: [a, b]", "columns is a dictionary"),
    ("class_by: {column: a}", "class_by needs a column and a match"),
    ("columns: {a: src_ip}\nvalues: {b: {src_ip: {x: y}}}", "b does not fill src_ip"),
])
def test_mapping_mistakes_are_named(tmp_path: Path, doc: str, message: str) -> None:
    with pytest.raises(MappingError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_mapping(write(tmp_path, "m.yaml", doc))


def test_without_a_mapping_common_column_names_are_recognised(tmp_path: Path) -> None:
    logs = write(tmp_path, "app.jsonl", '{"@timestamp": "2026-11-27T08:00:00+01:00", "user": "dan", '
                                        '"src_ip": "192.0.2.1", "message": "hello", "custom": "kept"}\n')
    [event] = list(GenericReader().read(Input(logs)))
    assert event["time"] == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # the offset applied
    assert (event["source"], event["user_name"], event["src_ip"], event["message"]) == \
        ("generic", "dan", "192.0.2.1", "hello")
    assert event["fields"]["custom"] == "kept"


def test_ip_and_time_parsing_accept_what_logs_write() -> None:
    assert normalize_ip("035.249.253.232") == "35.249.253.232"
    assert normalize_ip("[2001:db8::1]:443") == "2001:db8::1"
    assert normalize_ip("AWS Internal") is None and normalize_ip("ec2.amazonaws.com") is None
    assert parse_time("2019-10-18T09:45:48.0729893Z") == datetime(2019, 10, 18, 9, 45, 48, 72989, tzinfo=UTC)
    assert parse_time("2023-07-26 22:58:30.983201900") == datetime(2023, 7, 26, 22, 58, 30, 983201, tzinfo=UTC)
    assert parse_time("2019-10-18T04:45:48-05:00") == datetime(2019, 10, 18, 9, 45, 48, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_time("99999999999999999999", "epoch")


def test_utf16_csv_from_powershell_reads_like_utf8(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, "fw.yaml", FIREWALL_MAPPING))
    utf8 = write(tmp_path, "fw.csv", FIREWALL_CSV)
    utf16 = tmp_path / "fw16.csv"
    utf16.write_bytes(FIREWALL_CSV.replace("\n", "\r\n").encode("utf-16"))  # with its byte-order mark
    reader = GenericReader(mapping)
    plain = [e for e in reader.read(Input(utf8)) if not isinstance(e, Quarantined)]
    wide = [e for e in reader.read(Input(utf16)) if not isinstance(e, Quarantined)]
    assert len(plain) == len(wide) == 2
    for a, b in zip(plain, wide, strict=True):
        assert {k: v for k, v in a.items() if k != "offset"} == {k: v for k, v in b.items() if k != "offset"}


def test_time_comes_from_the_first_time_column_that_parses(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, "m.yaml", "time: {column: [ts, received]}\n"))
    logs = write(tmp_path, "a.jsonl", '{"ts": "...", "received": "2026-11-27T08:00:00Z"}\n{"ts": "garbage"}\n')
    [kept, bad] = list(GenericReader(mapping).read(Input(logs)))
    assert kept["time"] == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert isinstance(bad, Quarantined) and "garbage" in bad.reason


def test_report_and_store_name_the_mappings_source(workspace: Workspace, tmp_path: Path) -> None:
    report = workspace.ingest([write(tmp_path, "fw.csv", FIREWALL_CSV)],
                              mapping=write(tmp_path, "fw.yaml", FIREWALL_MAPPING))
    assert report.per_source() == {"acmefw": {"inputs": 1, "records": 2, "quarantined": 2}}
    assert [s["source"] for s in workspace.status()["sources"]] == ["acmefw"]


def test_mapping_check_shows_what_a_mapping_fills_without_storing(tmp_path: Path) -> None:
    logs = write(tmp_path, "fw.csv", FIREWALL_CSV)
    mapping = write(tmp_path, "fw.yaml", FIREWALL_MAPPING)
    result = preview(load_mapping(mapping), logs, limit=1)
    assert result.records == 2 and [q.offset for q in result.quarantined] == [4, 5]
    assert result.filled["src_ip"] == 2 and result.filled["auth_outcome"] == 2
    assert result.unmapped == {"Rule": 2}  # every other column is named by the mapping
    assert [s["user_name"] for s in result.samples] == ["alice"]
    out = CliRunner().invoke(app, ["mapping", "check", str(mapping), str(logs), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["unmapped"] == {"Rule": 2}


def test_hostile_values_cost_only_themselves(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, "m.yaml", "time: {column: ts}\ncolumns: {port: dst_port, ip: src_ip}\n"))
    rows = ["ts,port,ip", f"{'9' * 400},{'9' * 5000},{'1' * 100}", "2026-11-27T08:00:00Z,99999999999999999999.5,::1"]
    [huge, big] = list(GenericReader(mapping).read(Input(write(tmp_path, "h.csv", "\n".join(rows)))))
    assert isinstance(huge, Quarantined) and "out of range" in huge.reason  # an epoch no clock reaches
    assert not isinstance(big, Quarantined) and big["src_ip"] == "::1"
    assert big["fields"]["port"] == "99999999999999999999.5"  # kept as written, whatever the column makes of it

    oversized = ["ts,port,ip", "2026-11-27T08:00:00Z,1,::1", f"2026-11-27T08:00:01Z,{'7' * 200_000},::2",
                 "2026-11-27T08:00:02Z,3,::3"]
    items = list(GenericReader(mapping).read(Input(write(tmp_path, "o.csv", "\n".join(oversized)))))
    assert [i["src_ip"] for i in items if not isinstance(i, Quarantined)] == ["::1", "::3"]
    assert [i.offset for i in items if isinstance(i, Quarantined)] == [3]
