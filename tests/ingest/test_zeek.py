"""Zeek ingestion on the real samples: TSV and JSON twins, RockNSM JSON, logs inside zips, bad input."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.ingest.inputs import MAX_LINE_BYTES, Input, discover
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.zeek import ZeekReader
from socpilot.model.event import Event, event_id
from socpilot.model.ocsf import EventClass
from socpilot.store.query import run_query

READER = ZeekReader()

# zeek/wrccdc2018: records per log type, the same in TSV and JSON (NETWORK-CLOUD.md).
WRCCDC_COUNTS = {
    "analyzer": 16461, "capture_loss": 3, "dce_rpc": 78, "dns": 53615, "dpd": 77, "ftp": 93, "kerberos": 11,
    "known_certs": 35, "known_hosts": 253, "known_services": 1579, "ldap_search": 1, "loaded_scripts": 512,
    "modbus": 268, "notice": 207, "ntlm": 422, "ntp": 904, "ocsp": 1308, "packet_filter": 1, "pe": 21,
    "rdp": 4122, "rfb": 3, "smb_files": 13, "smb_mapping": 393, "smtp": 1188, "snmp": 65, "software": 376,
    "ssh": 22, "ssl": 49474, "stats": 6, "syslog": 2378, "weird": 24202, "x509": 348,
}
# zeek/otrf-apt29: records per log type over both days and all hosts (NETWORK-CLOUD.md).
APT29_COUNTS = {
    "conn": 1785, "ssl": 1064, "dce_rpc": 511, "files": 481, "x509": 390, "dns": 303, "kerberos": 121,
    "reporter": 65, "http": 63, "weird": 38, "smb_mapping": 34, "smb_files": 21, "stats": 17, "dpd": 12,
    "capture_loss": 8, "packet_filter": 6, "notice": 3, "pe": 2,
}
# Normalized columns that must agree between a TSV record and its JSON twin.
KEY_COLUMNS = (
    "time", "channel", "class_uid", "activity", "src_ip", "src_port", "dst_ip", "dst_port", "protocol",
    "app_protocol", "session_uid", "dns_query", "dns_qtype", "dns_rcode", "dns_answers", "user_name",
    "user_domain", "auth_outcome", "tls_sni", "finding_title", "message", "file_path", "host_ip", "severity",
)


def read(inp: Input | Path) -> tuple[list[dict], list[Quarantined]]:
    items = list(READER.read(inp if isinstance(inp, Input) else Input(inp)))
    return [i for i in items if not isinstance(i, Quarantined)], [i for i in items if isinstance(i, Quarantined)]


def read_all(folder: Path) -> list[dict]:
    events: list[dict] = []
    for inp in discover([folder]):
        if inp.name.endswith((".log", ".json")):
            got, bad = read(inp)
            assert bad == [], inp.display
            events += got
    return events


def by_log_type(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for event in events:
        grouped.setdefault(event["channel"], []).append(event)
    return grouped


def as_event(event: dict) -> Event:
    return Event.model_validate({**event, "id": event_id("zeek", event["raw"]), "source": "zeek"})


@pytest.fixture(scope="module")
def wrccdc(data: Path) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    root = data / "zeek" / "wrccdc2018"
    return by_log_type(read_all(root / "tsv")), by_log_type(read_all(root / "json"))


def test_wrccdc_tsv_and_json_hold_the_documented_records_per_log_type(wrccdc) -> None:
    tsv, json = wrccdc
    assert {path: len(events) for path, events in tsv.items()} == WRCCDC_COUNTS
    assert {path: len(events) for path, events in json.items()} == WRCCDC_COUNTS
    assert sum(WRCCDC_COUNTS.values()) == 158_439


def test_wrccdc_tsv_and_json_give_the_same_uid_and_ts_and_key_columns(wrccdc) -> None:
    tsv, json = wrccdc
    for path in WRCCDC_COUNTS:
        def uid_ts(events: list[dict]) -> Counter:
            return Counter((e["fields"].get("uid"), e["fields"].get("ts")) for e in events)

        assert uid_ts(tsv[path]) == uid_ts(json[path]), path
        if path == "loaded_scripts":  # no ts: TSV falls back to #open, JSON to _write_ts
            columns = tuple(c for c in KEY_COLUMNS if c != "time")
        else:
            columns = KEY_COLUMNS

        def keys(events: list[dict], columns: tuple[str, ...] = columns) -> Counter:
            return Counter(orjson.dumps([e.get(c) for c in columns]) for e in events)

        assert keys(tsv[path]) == keys(json[path]), path


def test_wrccdc_tsv_and_json_give_the_same_fields_text(wrccdc) -> None:
    tsv, json = wrccdc
    for path in WRCCDC_COUNTS:
        from_tsv = Counter(orjson.dumps(e["fields"], option=orjson.OPT_SORT_KEYS) for e in tsv[path])
        from_json = Counter(orjson.dumps({k: v for k, v in e["fields"].items() if k not in ("_path", "_write_ts")},
                                         option=orjson.OPT_SORT_KEYS) for e in json[path])
        assert from_tsv == from_json, path


def test_wrccdc_records_normalize_into_their_ocsf_class_with_key_fields(wrccdc) -> None:
    tsv, _ = wrccdc
    first_dns = tsv["dns"][0]
    assert first_dns["time"] == datetime(2018, 3, 24, 17, 15, 20, 865716, tzinfo=UTC)
    assert (first_dns["src_ip"], first_dns["src_port"], first_dns["dst_ip"], first_dns["dst_port"]) == \
        ("10.47.1.100", 41772, "10.0.0.100", 53)
    assert (first_dns["dns_query"], first_dns["dns_qtype"], first_dns["dns_rcode"]) == ("ise.wrccdc.org", "A", "NOERROR")
    assert first_dns["dns_answers"] == ["ise.wrccdc.cpp.edu", "134.71.3.16"]
    assert first_dns["fields"]["answers"] == "ise.wrccdc.cpp.edu,134.71.3.16"
    assert first_dns["fields"]["RD"] == "true" and first_dns["session_uid"] == "CqKst53mF3det3eDV9"
    expected_class = {"dns": EventClass.DNS, "ssl": EventClass.TLS, "x509": EventClass.TLS, "ssh": EventClass.SSH,
                      "kerberos": EventClass.AUTHENTICATION, "ntlm": EventClass.AUTHENTICATION,
                      "smb_files": EventClass.SMB, "smb_mapping": EventClass.SMB, "pe": EventClass.FILE,
                      "notice": EventClass.DETECTION, "rdp": EventClass.NETWORK, "weird": EventClass.BASE}
    for path, cls in expected_class.items():
        assert {e["class_uid"] for e in tsv[path]} == {cls}, path
        assert {e["class_name"] for e in tsv[path]} == {cls.label}, path
    assert all(e["finding_title"] == e["fields"]["note"] for e in tsv["notice"])
    assert all(e["auth_outcome"] == "success" for e in tsv["ssh"] if e["fields"].get("auth_success") == "true")
    krb = [e for e in tsv["kerberos"] if e["fields"].get("client") == "/NM"]
    assert len(krb) == 11 and all(e["user_domain"] == "NM" and "user_name" not in e for e in krb)
    # TSV writes \\10.47.21.25\ADMIN$ with every backslash doubled; the field has them single again.
    assert tsv["smb_mapping"][0]["fields"]["path"] == "\\\\10.47.21.25\\ADMIN$"
    assert tsv["smb_mapping"][0]["message"] == "\\\\10.47.21.25\\ADMIN$"
    assert sum(1 for e in tsv["ssl"] if e.get("tls_sni")) == sum(1 for e in tsv["ssl"] if "server_name" in e["fields"])
    assert "-" not in {v for e in tsv["weird"] for v in e["fields"].values()}  # unset is absent, not "-"


def test_wrccdc_output_validates_against_the_event_model(wrccdc) -> None:
    tsv, json = wrccdc
    for events in (*tsv.values(), *json.values()):
        for event in events[:50]:
            assert as_event(event).class_name == EventClass(event["class_uid"]).label


def test_otrf_apt29_rocknsm_json_counts_per_log_type_and_dotted_names(data: Path) -> None:
    events = by_log_type(read_all(data / "zeek" / "otrf-apt29"))
    assert {path: len(e) for path, e in events.items()} == APT29_COUNTS
    http = events["http"]
    # RockNSM's id_resp_h is Zeek's id.resp_h again: what Sigma's zeek rules name.
    assert all("id.resp_h" in e["fields"] and "id_resp_h" not in e["fields"] for e in http)
    assert all(e["dst_ip"] == e["fields"]["id.resp_h"] for e in http)
    webdav = [e for e in http if e["fields"]["method"] == "OPTIONS" and e.get("user_agent") == "DavClnt"]
    assert webdav[0]["http_url"] == "192.168.0.4/" and webdav[0]["http_status"] == 403
    assert {e["class_uid"] for e in events["conn"]} == {EventClass.NETWORK}
    assert sum(e.get("bytes_out", 0) for e in events["conn"]) > 0
    assert all(e["status_detail"] == e["fields"]["conn_state"] for e in events["conn"])
    assert Counter(e["status_detail"] for e in events["conn"])["SF"] > 0
    x509 = events["x509"][0]["fields"]
    assert "certificate.version" in x509 and "certificate_version" not in x509
    krb = [e for e in events["kerberos"] if "client" in e["fields"]]
    assert krb and all(f"{e['user_name']}/{e['user_domain']}" == e["fields"]["client"] for e in krb)
    assert {e["user_name"] for e in krb} >= {"pbeesly", "dschrute", "UTICA$"}
    assert {e["class_uid"] for e in events["files"]} == {EventClass.FILE}
    assert all(e["file_path"] == e["fields"]["filename"] for e in events["files"] if "filename" in e["fields"])
    for group in events.values():
        as_event(group[0])


def test_otrf_lsass_campaign_zeek_logs_ingest_from_their_zips_end_to_end(data: Path, workspace: Workspace) -> None:
    compound = data / "windows-json" / "otrf" / "compound"
    expected: Counter = Counter()
    with open(compound / "counts.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["format"] == "zeek-tsv" and row["zip"].startswith(("LSASS_campaign_01/", "LSASS_campaign_02/",
                                                                      "LSASS_campaign_03/")):
                expected[(row["zip"].split("/")[0], row["member"].removesuffix(".log"))] += int(row["records"])
    zips = sorted(compound.glob("LSASS_campaign_0[123]/*_zeek_logs.zip"))
    report = workspace.ingest(zips)
    assert report.quarantined == 0
    assert report.per_source() == {"zeek": {"inputs": len(expected), "records": sum(expected.values()),
                                            "quarantined": 0}}
    query = (exp.select("file", "channel", exp.func("count", exp.Star()).as_("n")).from_("events")
             .where(exp.column("source").eq(exp.Placeholder())).group_by("file", "channel"))
    with workspace.connect() as con:
        rows = run_query(con, query, ["zeek"])
    got = Counter({(r["file"].split("/compound/")[1].split("/")[0], r["channel"]): r["n"] for r in rows})
    assert got == expected
    assert sum(expected.values()) == 261 + 278 + 305


def test_apt29_webdav_exfiltration_is_found_by_zeek_field_names_end_to_end(data: Path, workspace: Workspace) -> None:
    report = workspace.ingest([data / "zeek" / "otrf-apt29"])
    assert report.records == sum(APT29_COUNTS.values()) == 4924 and report.quarantined == 0
    # What Sigma's zeek_http_webdav_put_request selects: user_agent contains WebDAV, method PUT.
    field = exp.Bracket(this=exp.column("fields"), expressions=[exp.Placeholder()])
    query = (exp.select("http_url", "src_ip", "dst_ip", "user_agent").from_("events")
             .where(exp.and_(exp.column("channel").eq(exp.Placeholder()), exp.EQ(this=field, expression=exp.Placeholder()),
                             exp.Like(this=field.copy(), expression=exp.Placeholder()))))
    with workspace.connect() as con:
        rows = run_query(con, query, ["http", "method", "PUT", "user_agent", "%WebDAV%"])
    assert len(rows) == 6
    assert {(r["http_url"], r["src_ip"], r["dst_ip"]) for r in rows} == \
        {("192.168.0.4/webdav/OfficeSupplies.7z", "10.0.1.4", "192.168.0.4")}


def test_rita_truncated_logs_keep_the_good_lines_and_quarantine_the_cut_one(data: Path) -> None:
    truncated = data / "zeek" / "rita-testdata" / "truncated"
    events, bad = read(truncated / "conn.log")
    assert len(events) == 58 and [q.offset for q in bad] == [67]
    assert "9 columns where #fields declares 21" in bad[0].reason
    # conn_top.log is conn.log with its header cut off: read by the stock conn layout.
    top, bad_top = read(truncated / "conn_top.log")
    assert [e["fields"] for e in top] == [e["fields"] for e in events]
    assert {e["channel"] for e in top} == {"conn"} and [q.offset for q in bad_top] == [59]
    assert "the stock conn layout has 21" in bad_top[0].reason
    inp = Input(truncated / "conn_top.log")
    assert READER.sniff(inp.name, inp.head())
    events, bad = read(truncated / "conn_json.log")
    assert len(events) == 3 and [q.offset for q in bad] == [4]
    assert "invalid JSON" in bad[0].reason


def test_truncated_gzip_keeps_the_lines_before_the_break_and_names_the_line(data: Path, tmp_path: Path) -> None:
    original = data / "zeek" / "wrccdc2018" / "tsv" / "dns.log.gz"
    cut = tmp_path / "dns.log.gz"
    cut.write_bytes(original.read_bytes()[: original.stat().st_size // 2])
    events, bad = read(cut)
    assert len(bad) == 1 and "broken after line" in bad[0].reason
    assert 10_000 < len(events) < 53_615
    # The kept records are exactly the first data lines of the intact file.
    with gzip.open(original, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
    assert [e["raw"] for e in events] == lines[: len(events)]
    assert bad[0].offset == events[-1]["offset"] + 1


def test_flipped_bytes_in_a_real_log_cost_only_the_damaged_line(data: Path, tmp_path: Path) -> None:
    text = gzip.decompress((data / "zeek" / "wrccdc2018" / "tsv" / "ssh.log.gz").read_bytes())
    lines = text.split(b"\n")
    lines[12] = lines[12].replace(b"\t", b"\xff", 1)  # a separator flipped into an invalid byte
    damaged = tmp_path / "ssh.log"
    damaged.write_bytes(b"\n".join(lines))
    events, bad = read(damaged)
    assert len(events) == 21 and [q.offset for q in bad] == [13]
    assert "columns" in bad[0].reason and bad[0].head.startswith(lines[12][:20])


def test_an_overlong_line_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    good = "1700000000.5\tCa1\t10.0.0.1\t5000\t10.0.0.2\t445\ttcp\tsmb\t10\t20\tT\tT\t(empty)"
    log = tmp_path / "conn.log"
    log.write_text(tsv_log(good, good.replace("smb", "x" * (MAX_LINE_BYTES + 10)), good.replace("Ca1", "Ca3")))
    events, bad = read(log)
    assert [e["session_uid"] for e in events] == ["Ca1", "Ca3"]
    assert [q.offset for q in bad] == [10] and "over the" in bad[0].reason


def tsv_log(*data_lines: str, path: str = "conn") -> str:
    header = [
        "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", f"#path\t{path}",
        "#open\t2024-01-02-03-04-05",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\torig_bytes\tresp_bytes"
        "\tlocal_orig\tlocal_resp\ttunnel_parents",
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tcount\tcount\tbool\tbool\tset[string]",
    ]
    return "\n".join([*header, *data_lines, "#close\t2024-01-02-03-05-00"]) + "\n"


def test_tsv_line_with_wrong_column_count_is_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    good = "1700000000.5\tCa1\t10.0.0.1\t5000\t10.0.0.2\t445\ttcp\tsmb\t10\t20\tT\tT\t(empty)"
    log = tmp_path / "conn.log"
    log.write_text("\ufeff" + tsv_log(good, "1700000001.0\tCa2\t10.0.0.1\t5001", good.replace("Ca1", "Ca3")))
    assert READER.sniff("conn.log", log.read_bytes())  # a BOM from a Windows editor changes nothing
    events, bad = read(log)
    assert [e["session_uid"] for e in events] == ["Ca1", "Ca3"]
    assert [q.offset for q in bad] == [10] and "4 columns where #fields declares 13" in bad[0].reason
    event = events[0]
    assert event["time"] == datetime.fromtimestamp(1700000000.5, UTC)
    assert (event["app_protocol"], event["bytes_out"], event["bytes_in"], event["direction"]) == ("smb", 10, 20, "lateral")
    assert event["fields"]["tunnel_parents"] == "" and event["fields"]["local_orig"] == "true"


def test_tsv_escapes_unset_empty_and_several_header_blocks(tmp_path: Path) -> None:
    first = "1700000000.0\tCb1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t(empty)\tF\tT\ta\\x2cb,c"
    second_block = tsv_log("1700000002.0\tCd1\t10.0.0.3\t53\t10.0.0.4\t53\tudp\tdns\\x09x\t1\t2\tT\tF\t(empty)",
                           path="other_conn")
    log = tmp_path / "mixed.log"
    log.write_text(tsv_log(first) + second_block)
    events, bad = read(log)
    assert bad == []
    one, two = events
    assert "service" not in one["fields"] and "orig_bytes" not in one["fields"] and "bytes_out" not in one
    assert one["fields"]["resp_bytes"] == "" and one["direction"] == "inbound"
    assert one["fields"]["tunnel_parents"] == "a,b,c"  # the escaped ',' inside an element is a ',' again
    assert one["channel"] == "conn" and two["channel"] == "other_conn"
    assert two["fields"]["service"] == "dns\tx" and two["class_uid"] == EventClass.BASE


def test_tsv_with_its_own_separators_is_read_by_its_headers(tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    log.write_text("#separator \\x2c\n#set_separator,|\n#empty_field,(empty)\n#unset_field,-\n#path,dns\n"
                   "#fields,ts,uid,query,answers\n#types,time,string,string,vector[string]\n"
                   "1700000000.000001,Cq1,a\\x2cb.example,1.1.1.1|2.2.2.2\n")
    assert READER.sniff("dns.log", log.read_bytes())
    (event,), bad = read(log)
    assert bad == [] and event["class_uid"] == EventClass.DNS
    assert event["dns_query"] == "a,b.example" and event["dns_answers"] == ["1.1.1.1", "2.2.2.2"]
    assert event["fields"]["ts"] == "2023-11-14T22:13:20.000001Z"


def test_empty_separator_headers_fall_back_to_zeek_defaults(tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    log.write_text("#separator \n#set_separator\t\n#path\tdns\n#fields\tts\tuid\tanswers\n"
                   "#types\ttime\tstring\tvector[string]\n1700000000.0\tCq1\ta,b\n")
    (event,), bad = read(log)
    assert bad == [] and event["dns_answers"] == ["a", "b"] and event["session_uid"] == "Cq1"


def test_intel_matches_are_detections_in_tsv_and_rocknsm_json(tmp_path: Path) -> None:
    tsv = tmp_path / "intel.log"
    tsv.write_text("#separator \\x09\n#path\tintel\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p"
                   "\tseen.indicator\tseen.where\tsources\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring"
                   "\tenum\tset[string]\n1700000000.0\tCi1\t10.0.0.5\t5353\t198.51.100.7\t53\tevil.example"
                   "\tDNS::IN_REQUEST\tfeed-a,feed-b\n")
    rock = tmp_path / "SENSOR_intel.log"
    rock.write_text('{"@stream":"intel","@system":"s1","@proc":"zeek","ts":1700000000.0,"uid":"Ci1",'
                    '"id_orig_h":"10.0.0.5","id_orig_p":5353,"id_resp_h":"198.51.100.7","id_resp_p":53,'
                    '"seen_indicator":"evil.example","seen_where":"DNS::IN_REQUEST","sources":["feed-a","feed-b"]}\n'
                    '{"@stream":"files","@proc":"zeek","ts":1700000001.0,"fuid":"F1","seen_bytes":10}\n')
    (from_tsv,), _ = read(tsv)
    (from_json, files), _ = read(rock)
    for event in (from_tsv, from_json):
        assert (event["class_uid"], event["channel"], event["severity"]) == (EventClass.DETECTION, "intel", 4)
        # One sensor rule per indicator (detect/sensors.py names it zeek:<finding_uid>); feeds stay in fields.
        assert (event["finding_title"], event["finding_uid"]) == ("evil.example", "evil.example")
        assert event["fields"]["sources"] == "feed-a,feed-b"
        assert (event["src_ip"], event["dst_ip"], event["message"]) == ("10.0.0.5", "198.51.100.7", "DNS::IN_REQUEST")
    assert {k: v for k, v in from_json["fields"].items() if not k.startswith("@")} == from_tsv["fields"]
    assert files["fields"]["seen_bytes"] == "10"  # a plain name: only intel's seen_ was Zeek's seen.


def test_a_types_line_shorter_than_fields_costs_no_column(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    log.write_text("#separator \\x09\n#path\tconn\n#fields\tts\tuid\tlocal_orig\tservice\n#types\ttime\tstring\tbool\n"
                   "1700000000.0\tCz1\tT\tdns\n")
    (event,), bad = read(log)
    assert bad == [] and event["fields"] == {"ts": "2023-11-14T22:13:20.000000Z", "uid": "Cz1",
                                             "local_orig": "true", "service": "dns"}
    assert event["app_protocol"] == "dns"


def test_json_line_that_is_invalid_is_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    log.write_text(
        '{"_path":"dns","ts":"2020-01-01T00:00:00.000000Z","uid":"Cx1","id.orig_h":"10.1.1.1","id.orig_p":53000,'
        '"id.resp_h":"10.1.1.2","id.resp_p":53,"proto":"udp","query":"example.org","answers":["1.2.3.4"],'
        '"rtt":0.00087,"AA":false}\n'
        '{"_path":"dns","ts":"2020-01-01T00:00:01.000000Z","uid":"Cx2",\n'
        '{"_path":"dns","ts":1577836802.25,"uid":"Cx3","query":"b.example.org"}\n'
        '["not", "a", "record"]\n'
        '{"_path":"dns","@timestamp":"2020-01-01T00:00:03.000Z","uid":"Cx5"}\n'
        '{"_path":"dns","uid":"Cx6"}\n'
        '{"_path":"dns","ts":1577836804500,"uid":"Cx7"}\n'
    )
    events, bad = read(log)
    assert [e["session_uid"] for e in events] == ["Cx1", "Cx3", "Cx5", "Cx7"]
    assert [q.offset for q in bad] == [2, 4, 6] and "without a usable ts" in bad[2].reason
    assert events[2]["time"] == datetime(2020, 1, 1, 0, 0, 3, tzinfo=UTC)
    assert events[3]["time"] == datetime(2020, 1, 1, 0, 0, 4, 500000, tzinfo=UTC)  # JSON::TS_MILLIS
    assert events[0]["dns_answers"] == ["1.2.3.4"] and events[0]["fields"]["rtt"] == "0.000870"
    assert events[0]["fields"]["AA"] == "false" and events[0]["dst_port"] == 53
    assert events[1]["time"] == datetime(2020, 1, 1, 0, 0, 2, 250000, tzinfo=UTC)


def test_hostile_nesting_in_zeek_json_costs_nothing_but_its_own_field_text(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    log.write_text('{"_path":"conn","ts":1.0,"uid":"Cn1","x":{"y":' + deep + '},"z":[{"k":1}]}\n'
                   '{"_path":"conn","ts":2.0,"uid":"Cn2"}\n')
    (first, second), bad = read(log)
    assert bad == [] and (first["session_uid"], second["session_uid"]) == ("Cn1", "Cn2")
    assert "raw text" in first["fields"]["x.y"] and first["fields"]["z"] == '{"k":1}'


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 4095), st.sampled_from(
    [b"\t", b"\n", b"\\", b"\\x", b"-", b"(empty)", b"#fields\t", b"\xff", b"{", b'"', b"",
     b"\n#set_separator\t\n", b"\n#separator \\x\n", b"\n#types\tbool\ttime\n", b"\n#fields\n"])),
    min_size=1, max_size=12))
def test_damaged_real_logs_never_stop_the_reader_and_every_event_validates(data: Path, tmp_path: Path,
                                                                           edits: list[tuple[int, bytes]]) -> None:
    for source, name in ((data / "zeek" / "wrccdc2018" / "tsv" / "notice.log.gz", "notice.log"),
                         (data / "zeek" / "otrf-apt29" / "day1" / "SCRANTON_http.log.gz", "SCRANTON_http.log")):
        damaged = bytearray(gzip.decompress(source.read_bytes())[:4096])
        for at, insert in edits:
            damaged[at % len(damaged): at % len(damaged) + 1] = insert
        path = tmp_path / name
        path.write_bytes(bytes(damaged))
        events, bad = read(path)
        assert events or bad
        for event in events:
            as_event(event)


def test_a_damaged_first_line_neither_hides_the_log_nor_costs_the_rest(data: Path, tmp_path: Path) -> None:
    lines = gzip.decompress((data / "zeek" / "wrccdc2018" / "json" / "ssh.json.gz").read_bytes()).splitlines()
    log = tmp_path / "ssh.json"
    log.write_bytes(b"\n".join([lines[0][:40], *lines[1:]]) + b"\n")
    inp = Input(log)
    assert type(detect_reader(inp.name, inp.head())) is ZeekReader
    events, bad = read(log)
    assert len(events) == 21 and [q.offset for q in bad] == [1]


def test_zeek_inputs_are_detected_and_other_json_is_not(data: Path) -> None:
    zeek = data / "zeek"
    for path in (zeek / "wrccdc2018" / "tsv" / "ssl.log.gz", zeek / "wrccdc2018" / "json" / "ssl.json.gz",
                 zeek / "otrf-apt29" / "day1" / "NASHUA_conn.log.gz",
                 zeek / "rita-testdata" / "json_with_all_fields" / "conn.log"):
        inp = Input(path)
        assert READER.sniff(inp.name.lower(), inp.head()), path
        assert type(detect_reader(inp.name, inp.head())) is ZeekReader
    eve = Input(data / "suricata" / "elastic-beats" / "eve-small.log")
    assert not READER.sniff(eve.name.lower(), eve.head())
