"""The Windows normalizer on small records built here: classes, columns, times."""

from __future__ import annotations

from datetime import UTC, datetime

from socpilot.ingest.windows import flatten, load_mapping, normalize
from socpilot.ingest.windows.normalize import parse_answers, parse_hashes, split_user, to_int
from socpilot.model.event import Event, event_id
from socpilot.model.ocsf import EventClass


def _event(record: dict) -> dict:
    fields = flatten(record)
    event = normalize(fields, "{}", 1, load_mapping())
    Event.model_validate({**event, "id": event_id("windows", "{}")})
    return event


def _nxlog(**fields: object) -> dict:
    return {"@timestamp": "2020-10-19T12:28:44.333Z", "Hostname": "WS5.lab", **fields}


def test_security_4688_and_sysmon_1_are_both_process_launches_with_image_and_command() -> None:
    security = _event(_nxlog(EventID=4688, Channel="Security", SourceName="Microsoft-Windows-Security-Auditing",
                             NewProcessName="C:\\Windows\\System32\\whoami.exe", CommandLine="whoami /all",
                             NewProcessId="0x2384", ProcessId="0x10", ParentProcessName="C:\\Windows\\cmd.exe",
                             SubjectUserName="alice", SubjectDomainName="LAB"))
    sysmon = _event(_nxlog(EventID=1, Channel="Microsoft-Windows-Sysmon/Operational",
                           Image="C:\\Windows\\System32\\whoami.exe", CommandLine="whoami /all", ProcessId="9092",
                           ParentImage="C:\\Windows\\cmd.exe", User="LAB\\alice",
                           Hashes="SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD"))
    for event in (security, sysmon):
        assert (event["class_uid"], event["class_name"], event["activity"]) == (1007, "process", "launch")
        assert (event["process_name"], event["process_cmd"]) == ("whoami.exe", "whoami /all")
        assert (event["parent_name"], event["user_name"], event["user_domain"]) == ("cmd.exe", "alice", "LAB")
        assert event["host_name"] == "WS5.lab"
    assert (security["product"], security["process_pid"], security["parent_pid"]) == ("security", 0x2384, 0x10)
    assert (sysmon["product"], sysmon["process_pid"]) == ("sysmon", 9092)
    assert (sysmon["process_md5"], sysmon["process_sha1"], sysmon["process_sha256"]) == ("bb", "aa", "cc")


def test_logons_carry_outcome_logon_type_and_the_user_who_logged_on() -> None:
    ok = _event(_nxlog(EventID=4624, Channel="Security", LogonType="10", TargetUserName="bob",
                       TargetDomainName="LAB", SubjectUserName="WS5$", IpAddress="10.0.0.9", IpPort="51000"))
    failed = _event(_nxlog(EventID=4625, Channel="Security", LogonType="3", TargetUserName="bob",
                           Status="0xc000006d", IpAddress="-"))
    assert (ok["class_name"], ok["auth_outcome"], ok["logon_type"]) == ("authentication", "success", 10)
    assert (ok["user_name"], ok["user_domain"], ok["src_ip"], ok["src_port"]) == ("bob", "LAB", "10.0.0.9", 51000)
    assert (failed["auth_outcome"], failed["logon_type"], failed["status_detail"]) == ("failure", 3, "0xc000006d")
    assert "src_ip" not in failed  # Windows writes "-" for an absent address


def test_filtering_platform_and_sysmon_connections_are_network_with_transport_and_direction() -> None:
    wfp = _event(_nxlog(EventID=5156, Channel="Security", SourceAddress="192.168.2.5", SourcePort="57233",
                        DestAddress="168.63.129.16", DestPort="80", Protocol="6", Direction="%%14593",
                        Application="\\device\\harddiskvolume2\\agent\\agent.exe"))
    sysmon = _event(_nxlog(EventID=3, Channel="Microsoft-Windows-Sysmon/Operational", SourceIp="192.168.3.5",
                           SourcePort="50452", DestinationIp="192.168.2.5", DestinationPort="8080",
                           Protocol="tcp", Initiated="false", Image="C:\\tomcat9.exe"))
    assert (wfp["class_name"], wfp["protocol"], wfp["direction"]) == ("network", "tcp", "outbound")
    assert (wfp["src_ip"], wfp["dst_ip"], wfp["dst_port"], wfp["process_name"]) == (
        "192.168.2.5", "168.63.129.16", 80, "agent.exe")
    assert (sysmon["class_name"], sysmon["protocol"], sysmon["direction"], sysmon["dst_port"]) == (
        "network", "tcp", "inbound", 8080)


def test_sysmon_dns_registry_file_and_service_events_fill_their_columns() -> None:
    dns = _event(_nxlog(EventID=22, Channel="Microsoft-Windows-Sysmon/Operational", QueryName="evil.example",
                        QueryStatus="0", QueryResults="type:  5 cdn.example;::ffff:1.2.3.4;5.6.7.8;"))
    reg = _event(_nxlog(EventID=13, Channel="Microsoft-Windows-Sysmon/Operational",
                        TargetObject="HKLM\\Software\\Run\\x", Details="C:\\x.exe"))
    created = _event(_nxlog(EventID=11, Channel="Microsoft-Windows-Sysmon/Operational", TargetFilename="C:\\a.ps1"))
    service = _event(_nxlog(EventID=7045, Channel="System", ServiceName="evil", ImagePath="C:\\evil.exe"))
    script = _event(_nxlog(EventID=4104, Channel="Microsoft-Windows-PowerShell/Operational", ScriptBlockText="iex"))
    assert (dns["class_name"], dns["dns_query"], dns["dns_rcode"]) == ("dns", "evil.example", "NOERROR")
    assert dns["dns_answers"] == ["cdn.example", "1.2.3.4", "5.6.7.8"]
    assert (reg["class_name"], reg["registry_key"], reg["registry_value"]) == (
        "registry", "HKLM\\Software\\Run\\x", "C:\\x.exe")
    assert (created["class_name"], created["file_path"]) == ("file", "C:\\a.ps1")
    assert (service["class_name"], service["activity"], service["file_path"]) == ("service", "install", "C:\\evil.exe")
    assert (script["class_uid"], script["product"]) == (EventClass.SCRIPT, "powershell")


def test_time_comes_from_the_most_trusted_field_with_its_offset_applied() -> None:
    nxlog = _event({"EventTime": "2020-06-09 22:50:54", "@timestamp": "2020-06-10T02:50:56.537Z",
                    "EventID": 1, "Channel": "Security"})
    offset = _event({"TimeCreated": "2020-06-09T22:50:54-04:00", "EventID": 1, "Channel": "Security"})
    naive = _event({"TimeCreated": "2020-10-19 12:28:44.333", "EventID": 1, "Channel": "Security"})
    assert nxlog["time"] == datetime(2020, 6, 10, 2, 50, 56, 537000, tzinfo=UTC)
    assert offset["time"] == datetime(2020, 6, 10, 2, 50, 54, tzinfo=UTC)
    assert naive["time"] == datetime(2020, 10, 19, 12, 28, 44, 333000, tzinfo=UTC)


def test_a_time_that_states_its_offset_beats_a_local_one_without() -> None:
    # OTRF's 2020-10 exports: TimeCreated is local time on a 12-hour clock, UtcTime is right.
    sysmon = _event({"TimeCreated": "2020-10-18 10:56:18.955", "UtcTime": "2020-10-19 02:56:18.954",
                     "EventID": 10, "Channel": "Microsoft-Windows-Sysmon/Operational"})
    stamped = _event({"EventTime": "2020-06-09 22:50:54", "TimeGenerated": "2020-06-10T02:50:56Z",
                      "EventID": 1, "Channel": "Security"})
    assert sysmon["time"] == datetime(2020, 10, 19, 2, 56, 18, 954000, tzinfo=UTC)
    assert stamped["time"] == datetime(2020, 6, 10, 2, 50, 56, tzinfo=UTC)


def test_evtx_dump_shape_flattens_system_fields_under_sigma_names() -> None:
    record = {"Event": {"#attributes": {"xmlns": "x"}, "System": {
        "Provider": {"#attributes": {"Name": "Service Control Manager", "Guid": "{55}"}},
        "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045},
        "TimeCreated": {"#attributes": {"SystemTime": "2020-09-23T16:57:41.372630Z"}},
        "Execution": {"#attributes": {"ProcessID": 580}}, "Channel": "System", "Computer": "dc1",
        "Security": {"#attributes": {"UserID": "S-1-5-18"}}},
        "EventData": {"ServiceName": "x", "ImagePath": "C:\\x.exe", "Data": {"#text": ["a", "b"]}}}}
    fields = flatten(record)
    assert fields["EventID"] == "7045" and fields["Provider_Name"] == "Service Control Manager"
    assert (fields["Channel"], fields["Computer"], fields["Qualifiers"]) == ("System", "dc1", "16384")
    assert (fields["Execution_ProcessID"], fields["UserID"], fields["Data"]) == ("580", "S-1-5-18", "a\nb")
    event = normalize(fields, "{}", 1, load_mapping())
    assert (event["class_name"], event["host_name"], event["file_path"]) == ("service", "dc1", "C:\\x.exe")


def test_sentinel_tables_parse_event_data_given_as_json_or_xml() -> None:
    sysmon = _event({"TimeGenerated": "2022-05-13T08:54:06.347Z", "Provider": "Microsoft-Windows-Sysmon",
                     "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "WS5", "EventID": 1,
                     "EventData": '{"Image":"C:\\\\java.exe","CommandLine":"java -jar x"}'})
    security = _event({"TimeGenerated": "2022-05-13T08:54:05.21Z", "EventSourceName": "Microsoft-Windows-Security-Auditing",
                       "Channel": "Security", "Computer": "WS5", "EventID": 5156,
                       "EventData": '<EventData><Data Name="DestAddress">10.0.0.1</Data>'
                                    '<Data Name="DestPort">389</Data><Data Name="Empty" /></EventData>'})
    assert (sysmon["process_name"], sysmon["process_cmd"]) == ("java.exe", "java -jar x")
    assert (security["dst_ip"], security["dst_port"], security["fields"]["Empty"]) == ("10.0.0.1", 389, "")


def test_small_parsers_handle_windows_value_formats() -> None:
    assert to_int("0x1f") == 31 and to_int("42") == 42 and to_int("abc") is None
    assert split_user("NT AUTHORITY\\SYSTEM") == ("NT AUTHORITY", "SYSTEM") and split_user("bob") == (None, "bob")
    assert parse_hashes("MD5=AB,IMPHASH=CD") == {"process_md5": "ab"}
    assert parse_answers("type:  5 a.example;") == ["a.example"]


def test_winlogbeat_records_map_like_the_other_shapes() -> None:
    event = _event({"@timestamp": "2021-03-01T10:00:00.000Z", "winlog": {
        "event_id": 4624, "channel": "Security", "provider_name": "Microsoft-Windows-Security-Auditing",
        "computer_name": "dc1.lab", "record_id": 77,
        "event_data": {"TargetUserName": "carol", "TargetDomainName": "LAB", "LogonType": "2"}}})
    assert (event["class_name"], event["product"], event["host_name"]) == ("authentication", "security", "dc1.lab")
    assert (event["user_name"], event["logon_type"], event["fields"]["EventRecordID"]) == ("carol", 2, "77")
