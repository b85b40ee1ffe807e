"""Entity normalisation joins identities and hosts across sources; links learn host IPs."""

from __future__ import annotations

from socpilot.correlate.entities import event_entities, normalise_host, normalise_ip, normalise_user
from socpilot.correlate.links import address_book, clock_skew, persons
from socpilot.inventory import Identity
from socpilot.model.alert import Entity
from socpilot.model.ocsf import EventClass as C


def test_one_person_has_one_name_across_windows_okta_and_cloudtrail(b) -> None:
    names = ["PANDALAB\\Pgustavo", "pgustavo@pandalab.com", "arn:aws:iam::123456789012:user/pgustavo",
             "arn:aws:sts::123456789012:assumed-role/Admin/pgustavo@pandalab.com", " PGUSTAVO "]
    assert {normalise_user(n) for n in names} == {"pgustavo"}


def test_machine_and_builtin_accounts_name_no_person(b) -> None:
    ignored = frozenset({"system", "dwm-1"})
    assert normalise_user("MKT01$") is None
    assert normalise_user("NT AUTHORITY\\SYSTEM", ignored) is None
    assert normalise_user("Window Manager\\DWM-1", ignored) is None


def test_host_names_are_short_and_ips_are_unicast(b) -> None:
    assert normalise_host("MKT01.pandalab.com") == "mkt01"
    assert normalise_host("192.168.1.41") is None
    assert normalise_ip("192.168.1.41") == "192.168.1.41"
    assert [normalise_ip(x) for x in ("224.0.0.251", "127.0.0.1", "169.254.3.4", "0.0.0.0", "192.168.1.255", "nope")] \
        == [None] * 6
    assert normalise_ip("fe80:0:0:0:9b:ae55:9a78:92e4") == "fe80::9b:ae55:9a78:92e4"  # Sysmon's spelling, Zeek's


def test_event_entities_cover_process_chain_hash_and_cloud_identity() -> None:
    row = {"host_name": "WS1.corp", "user_name": "CORP\\alice", "process_guid": "{ABC-1}", "parent_guid": "{ABC-0}",
           "process_sha256": "A" * 64, "dns_query": "Evil.Example.", "cloud_principal": "arn:aws:iam::1:user/alice"}
    found = event_entities(row)
    assert Entity(kind="process", value="abc-1") in found and Entity(kind="process", value="abc-0") in found
    assert Entity(kind="hash", value="a" * 64) in found
    assert Entity(kind="domain", value="evil.example") in found
    assert {e.value for e in found if e.kind == "user"} == {"alice"}


def test_a_cloud_key_in_a_command_line_is_the_key_cloudtrail_names() -> None:
    host = event_entities({"process_cmd": "aws s3 sync D:\\backup s3://b --profile x AKIAAE3XPEKDTTMPT6DG"})
    cloud = event_entities({"access_key_id": "AKIAAE3XPEKDTTMPT6DG", "cloud_principal": "arn:aws:iam::1:user/svc"})
    assert Entity(kind="access_key", value="akiaae3xpekdttmpt6dg") in host & cloud


def test_host_ip_is_learned_from_the_local_side_of_its_own_connections(b, workspace, put_events) -> None:
    rows = put_events([
        b.event("windows", b.t0, C.NETWORK, host_name="MKT01.pandalab.com", src_ip="192.168.1.41", src_port=5000,
                   dst_ip="10.0.5.13", dst_port=80, fields={"Initiated": "true"}),
        # inbound: the host is the destination, the source is someone else
        b.event("windows", b.t0, C.NETWORK, host_name="MKT01.pandalab.com", src_ip="192.168.1.99", src_port=5001,
                   dst_ip="192.168.1.41", dst_port=445, fields={"Initiated": "false"}),
        b.event("windows", b.t0, C.AUTHENTICATION, host_name="DC1.pandalab.com", src_ip="192.168.1.50",
                   fields={"WorkstationName": "HR02"}),
    ])
    con = workspace.connect()
    try:
        book = address_book(con)
    finally:
        con.close()
    assert book.ips_of("mkt01") == ["192.168.1.41"]
    assert book.ip_to_host()["192.168.1.50"] == "hr02"
    assert "192.168.1.99" not in book.ip_to_host()
    assert set(book.basis("mkt01")[0].event_ids) <= {r["id"] for r in rows}


def test_clock_skew_is_measured_on_connections_both_host_and_sensor_saw(b, workspace, put_events) -> None:
    host_rows, sensor_rows = [], []
    for n in range(5):
        t = b.t0 + b.minutes(n)
        host_rows.append(b.event("windows", t, C.NETWORK, host_name="WS1", src_ip="10.0.0.5", src_port=50000 + n,
                                    dst_ip="10.0.0.1", dst_port=53, fields={"Initiated": "true"}))
        sensor_rows.append(b.event("zeek", t + b.minutes(19 * 60) + b.minutes(0.01), C.NETWORK, src_ip="10.0.0.5",
                                      src_port=50000 + n, dst_ip="10.0.0.1", dst_port=53))
    put_events(host_rows)
    put_events(sensor_rows)
    con = workspace.connect()
    try:
        skew = clock_skew(con, "ws1", ["10.0.0.5"], min_matches=3)
        too_few = clock_skew(con, "ws1", ["10.0.0.5"], min_matches=6)
    finally:
        con.close()
    assert skew is not None and skew.matches == 5
    assert abs(skew.seconds - 19 * 3600) < 1
    assert too_few is None


def test_an_admin_account_belongs_to_the_person_it_is_named_after() -> None:
    people = persons([
        Identity(user="daniel.okafor", display_name="Daniel Okafor", email="daniel.okafor@corp.example",
                 aliases=["arn:aws:iam::1:user/d.okafor"]),
        Identity(user="adm-dokafor", display_name="Daniel Okafor (admin)"),
        Identity(user="sarah.w", display_name="Sarah Whitfield"),
    ])
    assert people == {"daniel.okafor": "daniel.okafor", "d.okafor": "daniel.okafor",
                      "adm-dokafor": "daniel.okafor", "sarah.w": "sarah.w"}
