"""Suricata EVE ingestion on the real samples: alert arrays, Elastic and DCSO fixtures, both DNS formats."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.suricata import SuricataReader
from socpilot.model.event import Event, event_id
from socpilot.model.ocsf import EventClass
from socpilot.store.query import run_query

READER = SuricataReader()

# event_type counts per fixture file (NETWORK-CLOUD.md, "suricata per file").
FIXTURE_COUNTS = {
    "dcso-fever-testdata/alertify_input.json": {"dns": 1, "http": 1, "tls": 1},
    "dcso-fever-testdata/jsonparse_eve.json": {"dns": 1, "fileinfo": 1, "http": 1},
    "elastic-beats/eve-6.0.log": {"alert": 1},
    "elastic-beats/eve-alerts.log": {"alert": 21, "tls": 1},
    "elastic-beats/eve-dns-4.1.4.log": {"dns": 24},
    "elastic-beats/eve-metadata.log": {"alert": 1},
    "elastic-beats/eve-small.log": {"alert": 1, "dns": 1, "fileinfo": 1, "flow": 1, "http": 1, "ssh": 1,
                                    "stats": 1, "tls": 1},
    "elastic-integrations/test-eve-tls-empty-issuerdn.log": {"tls": 1},
    "elastic-integrations/test-eve-tls-empty-subject.log": {"tls": 1},
}
HASSANABAD = {"first-org-conf-2015": 136, "honeypot-2018": 44, "wrccdc-2017": 161, "wrccdc-2018": 207}
CLASS_OF = {"alert": EventClass.DETECTION, "dns": EventClass.DNS, "http": EventClass.HTTP, "tls": EventClass.TLS,
            "fileinfo": EventClass.FILE, "flow": EventClass.NETWORK, "ssh": EventClass.SSH, "stats": EventClass.BASE}


def read(path: Path) -> tuple[list[dict], list[Quarantined]]:
    items = list(READER.read(Input(path)))
    return [i for i in items if not isinstance(i, Quarantined)], [i for i in items if isinstance(i, Quarantined)]


def read_clean(path: Path) -> list[dict]:
    events, bad = read(path)
    assert bad == [], path
    return events


def as_event(event: dict) -> Event:
    return Event.model_validate({**event, "id": event_id("suricata", event["raw"]), "source": "suricata"})


@pytest.fixture(scope="module")
def fixtures(data: Path) -> dict[str, list[dict]]:
    return {name: read_clean(data / "suricata" / name) for name in FIXTURE_COUNTS}


def test_hassanabad_alert_arrays_give_548_detections_one_per_signature(data: Path) -> None:
    total = 0
    for folder, count in HASSANABAD.items():
        path = data / "suricata" / "hassanabad-suricata-sample-data" / folder / "alerts-only.json"
        events = read_clean(path)
        assert len(events) == count
        assert len({e["finding_uid"] for e in events}) == count  # upstream kept one alert per signature id
        for e in events:
            fields = e["fields"]
            assert (e["class_uid"], e["class_name"], e["channel"]) == (EventClass.DETECTION, "detection", "alert")
            assert e["finding_title"] == fields["alert.signature"]
            assert e["finding_uid"] == fields["alert.signature_id"]
            assert e["message"] == fields["alert.category"]
            assert e["severity"] == {"1": 4, "2": 3, "3": 2, "4": 1}[fields["alert.severity"]]
            assert e["raw"] == orjson.dumps(orjson.loads(e["raw"]), option=orjson.OPT_SORT_KEYS).decode()
        total += len(events)
    assert total == 548


def test_alert_timestamp_offset_is_applied_to_utc_and_the_flow_is_kept(data: Path) -> None:
    path = data / "suricata" / "hassanabad-suricata-sample-data" / "wrccdc-2018" / "alerts-only.json"
    first = read_clean(path)[0]
    assert first["fields"]["timestamp"] == "2018-03-24T14:37:19.037299-0600"
    assert first["time"] == datetime(2018, 3, 24, 20, 37, 19, 37299, tzinfo=UTC)
    assert (first["finding_title"], first["finding_uid"]) == ("ET SCAN Potential SSH Scan", "2001219")
    assert (first["src_ip"], first["dst_ip"], first["dst_port"], first["protocol"]) == \
        ("0.0.0.0", "10.47.8.150", 22, "tcp")
    assert (first["bytes_out"], first["bytes_in"], first["activity"]) == (74, 0, "allowed")
    assert first["session_uid"] == "928532049924531" and first["offset"] == 1


def test_elastic_and_dcso_fixtures_normalize_every_event_type(fixtures: dict[str, list[dict]]) -> None:
    for name, counts in FIXTURE_COUNTS.items():
        assert dict(Counter(e["channel"] for e in fixtures[name])) == counts, name
    for e in (e for events in fixtures.values() for e in events):
        assert e["class_uid"] == CLASS_OF[e["channel"]] and e["class_name"] == CLASS_OF[e["channel"]].label
        assert e["product"] == "suricata" and e["time"].tzinfo is UTC
        if e["channel"] != "stats":
            assert e["src_ip"] == e["fields"]["src_ip"] and e["dst_ip"] == e["fields"]["dest_ip"]
            assert e["protocol"] == e["fields"]["proto"].lower()
        if "http.url" in e["fields"]:
            assert e["http_url"] == e["fields"]["http.hostname"] + e["fields"]["http.url"]
            assert e["http_method"] == e["fields"]["http.http_method"]
        if "tls.sni" in e["fields"]:
            assert e["tls_sni"] == e["fields"]["tls.sni"]
        as_event(e)
    small = {e["channel"]: e for e in fixtures["elastic-beats/eve-small.log"]}
    assert small["fileinfo"]["file_path"] == "/ssdp/device-desc.xml"
    assert (small["http"]["http_status"], small["http"]["http_host"]) == (200, "192.168.86.28")
    assert small["http"]["user_agent"].startswith("Mozilla/5.0 (Macintosh")
    assert small["tls"]["tls_sni"] == "p33-btmmdns.icloud.com."
    assert small["flow"]["bytes_out"] == 110 and small["flow"]["duration"] == 0.0
    assert small["flow"]["status_detail"] == "timeout" and "app_protocol" not in small["flow"]  # "failed"
    assert small["ssh"]["message"] == "OpenSSH_7.6"
    assert small["stats"]["fields"]["stats.decoder.pkts"] == "430313"
    assert small["alert"]["tls_sni"] == "l2.io" and small["alert"]["severity"] == 4
    ja3 = fixtures["dcso-fever-testdata/alertify_input.json"][2]
    assert ja3["tls_ja3"] == "1fe4c7a3544eb27afec2adfb3a3dbf60"
    metadata = fixtures["elastic-beats/eve-metadata.log"][0]["fields"]
    assert metadata["alert.metadata.mitre_attack"] == "t1190" and metadata["alert.metadata.cve"] == "2019-91325"


def test_both_dns_formats_give_query_and_answers(fixtures: dict[str, list[dict]]) -> None:
    dns = [e for events in fixtures.values() for e in events if e["channel"] == "dns"]
    assert len(dns) == 27 and all(e["dns_query"] for e in dns)
    kinds = Counter("v2" if e["fields"].get("dns.version") == "2" else e["fields"]["dns.type"] for e in dns)
    assert kinds == {"answer": 12, "query": 8, "v2": 7}
    for e in dns:
        if e["fields"]["dns.type"] == "query":
            assert "dns_answers" not in e and e["activity"] == "query"
        else:
            assert e["dns_answers"] and e["activity"] == "answer" and e["dns_rcode"] == "NOERROR"
    v1 = next(e for e in fixtures["dcso-fever-testdata/jsonparse_eve.json"] if e["channel"] == "dns")
    assert (v1["dns_query"], v1["dns_qtype"], v1["dns_answers"]) == ("test.test.local", "A", ["10.0.0.12"])
    v2 = next(e for e in fixtures["dcso-fever-testdata/alertify_input.json"] if e["channel"] == "dns")
    assert v2["dns_query"] == "static.programme-tv.net"
    assert v2["dns_answers"] == ["programme-tv.net.edgesuite.net", "a1859.g.akamai.net"]
    chain = [e for e in fixtures["elastic-beats/eve-dns-4.1.4.log"]
             if e["fields"].get("dns.version") == "2" and e["dns_query"] == "www.elastic.co"]
    assert chain and all(e["dns_answers"][0] == "dualstack.r2.shared.global.fastly.net" for e in chain)


def eve(event_type: str, **body: object) -> str:
    record = {"timestamp": "2024-05-01T10:00:00.000000+0200", "flow_id": 7, "event_type": event_type,
              "src_ip": "10.0.0.5", "src_port": 50000, "dest_ip": "10.0.0.9", "dest_port": 445, "proto": "TCP",
              **body}
    return orjson.dumps(record).decode()


def test_event_types_without_public_samples_normalize_from_built_events(tmp_path: Path) -> None:
    lines = [
        eve("dns", dns={"version": 3, "type": "response", "rcode": "NXDOMAIN",
                        "queries": [{"rrname": "bad.example", "rrtype": "TXT"}],
                        "answers": [{"rrname": "bad.example", "rrtype": "TXT", "rdata": "v=spf1 -all"}]}),
        eve("netflow", netflow={"pkts": 3, "bytes": 180, "start": "2024-05-01T10:00:00.000000+0200",
                                "end": "2024-05-01T10:00:02.500000+0200"}),
        eve("anomaly", anomaly={"type": "decode", "event": "ipv4.trunc_pkt"}),
        eve("smb", smb={"command": "SMB2_COMMAND_CREATE", "filename": "ADMIN$\\evil.exe", "status": "STATUS_SUCCESS",
                        "ntlmssp": {"domain": "CORP", "user": "alice", "host": "WS1"}}),
        eve("krb5", krb5={"cname": "bob", "realm": "CORP.LOCAL", "error_code": "KDC_ERR_PREAUTH_FAILED"}),
        eve("quic", quic={"sni": "quic.example", "ja3": {"hash": "abc"}}),
        eve("mqtt_new_type", something={"x": 1}),
        eve("drop", alert={"action": "blocked", "signature": "drop it", "signature_id": 5, "severity": "1"}),
    ]
    path = tmp_path / "eve.json"
    path.write_text("\n".join(lines) + "\n")
    events = {e["channel"]: e for e in read_clean(path)}
    dns = events["dns"]
    assert (dns["dns_query"], dns["dns_qtype"], dns["dns_rcode"], dns["dns_answers"]) == \
        ("bad.example", "TXT", "NXDOMAIN", ["v=spf1 -all"])
    assert dns["time"] == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    netflow = events["netflow"]
    assert (netflow["class_uid"], netflow["bytes_out"], netflow["duration"]) == (EventClass.NETWORK, 180, 2.5)
    assert (events["anomaly"]["class_uid"], events["anomaly"]["message"]) == (EventClass.BASE, "ipv4.trunc_pkt")
    smb = events["smb"]
    assert (smb["class_uid"], smb["file_path"], smb["user_name"], smb["user_domain"], smb["host_name"]) == \
        (EventClass.SMB, "ADMIN$\\evil.exe", "alice", "CORP", "WS1")
    krb = events["krb5"]
    assert (krb["class_uid"], krb["user_name"], krb["user_domain"], krb["status_detail"]) == \
        (EventClass.AUTHENTICATION, "bob", "CORP.LOCAL", "KDC_ERR_PREAUTH_FAILED")
    assert (events["quic"]["class_uid"], events["quic"]["tls_sni"], events["quic"]["tls_ja3"]) == \
        (EventClass.TLS, "quic.example", "abc")
    assert events["mqtt_new_type"]["class_uid"] == EventClass.BASE
    drop = events["drop"]  # severity written as text by some shippers
    assert (drop["class_uid"], drop["activity"], drop["severity"], drop["finding_uid"]) == \
        (EventClass.DETECTION, "blocked", 4, "5")
    for e in events.values():
        as_event(e)


def test_invalid_line_and_event_without_timestamp_are_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "eve.json"
    no_time = orjson.dumps({"event_type": "flow", "src_ip": "10.0.0.1"}).decode()
    path.write_text("\n".join([eve("flow", flow={"bytes_toserver": 1}), '{"timestamp": "2024-05-01T10:00:0',
                               no_time, eve("alert", alert={"signature": "x", "signature_id": 9, "severity": 1})])
                    + "\n")
    events, bad = read(path)
    assert [e["channel"] for e in events] == ["flow", "alert"] and [e["offset"] for e in events] == [1, 4]
    assert [q.offset for q in bad] == [2, 3]
    assert "not valid JSON" in bad[0].reason and "timestamp" in bad[1].reason
    assert events[1]["severity"] == 4 and events[1]["time"] - events[0]["time"] == timedelta(0)


def test_flipped_bytes_in_real_eve_cost_only_the_damaged_record(data: Path, tmp_path: Path) -> None:
    lines = (data / "suricata" / "elastic-beats" / "eve-small.log").read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b'"', b"\x00", 1)
    damaged = tmp_path / "eve.json"
    damaged.write_bytes(b"\n".join(lines))
    events, bad = read(damaged)
    assert len(events) == 7 and [q.offset for q in bad] == [4]
    array = (data / "suricata" / "hassanabad-suricata-sample-data" / "honeypot-2018" / "alerts-only.json").read_bytes()
    cut = tmp_path / "alerts.json"
    cut.write_bytes(array[: len(array) // 2])
    events, bad = read(cut)
    assert 0 < len(events) < 44 and len(bad) == 1 and bad[0].offset == len(events) + 1
    assert [e["finding_uid"] for e in events] == [e["finding_uid"] for e in read_clean(
        data / "suricata" / "hassanabad-suricata-sample-data" / "honeypot-2018" / "alerts-only.json")][: len(events)]


def test_hostile_nesting_costs_nothing_but_its_own_field_text(tmp_path: Path) -> None:
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    path = tmp_path / "eve.json"
    path.write_text(eve("alert", alert={"signature": "deep", "signature_id": 1}, x=None).replace('"x":null', f'"x":{deep}')
                    + "\n" + eve("flow", flow={"bytes_toserver": 5}) + "\n")
    (alert, flow), bad = read(path)
    assert bad == [] and alert["finding_title"] == "deep" and flow["bytes_out"] == 5
    nested = [v for k, v in alert["fields"].items() if k.startswith("x.")]
    assert len(nested) == 1 and "raw text" in nested[0]  # too deep even for JSON text: raw keeps it


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 8191), st.sampled_from(
    [b"\n", b"{", b"}", b"[", b",", b'"', b"\\", b"\xff", b"null", b"1e400", b""])), min_size=1, max_size=12))
def test_damaged_real_eve_never_stops_the_reader_and_every_event_validates(data: Path, tmp_path: Path,
                                                                           edits: list[tuple[int, bytes]]) -> None:
    for source in (data / "suricata" / "elastic-beats" / "eve-small.log",
                   data / "suricata" / "hassanabad-suricata-sample-data" / "honeypot-2018" / "alerts-only.json"):
        damaged = bytearray(source.read_bytes()[:8192])
        for at, insert in edits:
            damaged[at % len(damaged): at % len(damaged) + 1] = insert
        path = tmp_path / source.name
        path.write_bytes(bytes(damaged))
        events, bad = read(path)
        assert events or bad
        for event in events:
            as_event(event)


def test_a_damaged_first_line_neither_hides_the_eve_file_nor_costs_the_rest(data: Path, tmp_path: Path) -> None:
    small = (data / "suricata" / "elastic-beats" / "eve-small.log").read_bytes()
    path = tmp_path / "eve.json"
    path.write_bytes(b'{"timestamp": "2024-01-0\n' + small)
    inp = Input(path)
    assert type(detect_reader(inp.name, inp.head())) is SuricataReader
    events, bad = read(path)
    assert len(events) == 8 and len(bad) == 1


def test_eve_inputs_are_detected_and_zeek_json_is_not(data: Path) -> None:
    for path in (data / "suricata" / "elastic-beats" / "eve-small.log",
                 data / "suricata" / "hassanabad-suricata-sample-data" / "honeypot-2018" / "alerts-only.json"):
        inp = Input(path)
        assert type(detect_reader(inp.name, inp.head())) is SuricataReader, path
    zeek = Input(data / "zeek" / "wrccdc2018" / "json" / "dns.json.gz")
    assert not READER.sniff(zeek.name.lower(), zeek.head())


def test_suricata_folder_ingests_end_to_end_and_queries_back(data: Path, workspace: Workspace) -> None:
    report = workspace.ingest([data / "suricata"])
    assert report.quarantined == 0
    assert report.per_source()["suricata"] == {"inputs": 13, "records": 612, "quarantined": 0}
    count = exp.func("count", exp.Star()).as_("n")
    per_type_query = (exp.select("channel", count).from_("events")
                      .where(exp.column("source").eq(exp.Placeholder())).group_by("channel"))
    detections_query = (exp.select(count.copy(), exp.func("count", exp.column("finding_title")).as_("titled"))
                        .from_("events").where(exp.column("class_name").eq(exp.Placeholder())))
    with workspace.connect() as con:
        per_type = {r["channel"]: r["n"] for r in run_query(con, per_type_query, ["suricata"])}
        detections = run_query(con, detections_query, ["detection"])
    assert per_type == {"alert": 572, "dns": 27, "tls": 5, "http": 3, "fileinfo": 2, "flow": 1, "ssh": 1, "stats": 1}
    assert detections == [{"n": 572, "titled": 572}]
