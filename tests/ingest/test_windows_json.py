"""Windows JSON on real data: OTRF (NXLog lines), SigmaHQ regression (evtx_dump objects), Sentinel."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input, discover
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.evtx import EvtxReader
from socpilot.ingest.readers.windows_json import WindowsJsonReader
from socpilot.model.event import Event, event_id

# A handful for the default run (all 115 are read by bench/bench_ingest.py): the
# smallest, one with an AppleDouble member, one with a blank line, one with naive times.
SAMPLE_ZIPS = [
    "windows/other/raccine_simulation_mode.zip",
    "windows/discovery/host/cmd_discover_iexplorer_version_registry.zip",
    "windows/defense_evasion/host/reg_disable_eventlog_service_startuptype_modification_via_registry.zip",
    "windows/lateral_movement/host/schtask_create.zip",
    "windows/credential_access/host/cmd_lsass_memory_dumpert_syscalls.zip",
]


@pytest.fixture(scope="module")
def atomic(data: Path) -> Path:
    return data / "windows-json" / "otrf" / "atomic"


@pytest.fixture(scope="module")
def expected_events(atomic: Path) -> dict[str, int]:
    with open(atomic / "counts.csv", newline="") as f:
        return {row["zip"]: int(row["events"]) for row in csv.DictReader(f) if row["format"] == "jsonl"}


def test_otrf_zips_store_exactly_their_json_lines(atomic: Path, expected_events: dict[str, int],
                                                 workspace: Workspace) -> None:
    report = workspace.ingest([atomic / z for z in SAMPLE_ZIPS])
    stored = {Path(r.display.split("!")[0]).relative_to(atomic).as_posix(): r.records
              for r in report.results if r.source == "windows"}
    assert stored == {z: expected_events[z] for z in SAMPLE_ZIPS}
    assert report.quarantined == 0
    # The AppleDouble member (`__MACOSX/._*.json`) is not an input at all.
    assert not [r for r in report.results if "__MACOSX" in r.display]
    con = workspace.connect()
    total = sum(expected_events[z] for z in SAMPLE_ZIPS)
    assert con.execute("SELECT count(*), count(host_name), min(source), max(source) FROM events").fetchone() == (
        total, total, "windows", "windows")


def test_the_byte_identical_zip_pair_is_ingested_once(atomic: Path, expected_events: dict[str, int],
                                                     workspace: Workspace) -> None:
    pair = [atomic / f"windows/{tactic}/host/empire_wmic_add_user_backdoor.zip"
            for tactic in ("defense_evasion", "lateral_movement")]
    report = workspace.ingest(pair)
    assert [r.records for r in report.results if r.skipped is None] == [12278]
    assert [r.skipped for r in report.results if r.skipped] == ["already ingested (same content)"]
    again = workspace.ingest(pair)
    assert again.records == 0 and workspace.status()["events"] == 12278


def test_regression_json_objects_match_the_evtx_records_one_for_one(data: Path) -> None:
    """Each SigmaHQ case has the same records as evtx_dump JSON and as EVTX: both readers agree."""
    cases = sorted((data / "sigma" / "regression-dev").rglob("*.json"))
    assert len(cases) == 157
    json_reader, evtx_reader = WindowsJsonReader(), EvtxReader()
    total = 0
    for case in cases:
        inp = Input(case)
        assert isinstance(detect_reader(inp.name, inp.head()), WindowsJsonReader), case
        from_json = list(json_reader.read(inp))
        from_evtx = list(evtx_reader.read(Input(case.with_suffix(".evtx"))))
        assert not [i for i in from_json + from_evtx if isinstance(i, Quarantined)], case
        assert len(from_json) == len(from_evtx), case

        def key(e: dict) -> str:
            return e["fields"]["EventRecordID"]
        for a, b in zip(sorted(from_json, key=key), sorted(from_evtx, key=key), strict=True):
            # Same field names; some values were hand-edited upstream (case, trailing blanks).
            assert a["fields"].keys() == b["fields"].keys(), case
            assert (a["time"], a["event_code"], a["channel"], a["product"], a["class_uid"]) == (
                b["time"], b["event_code"], b["channel"], b["product"], b["class_uid"]), case
        total += len(from_json)
    assert total == 185


def test_concatenated_objects_stream_and_a_broken_object_costs_only_itself(data: Path, tmp_path: Path) -> None:
    one = next((data / "sigma" / "regression-dev").rglob("*.json")).read_text()
    broken = one.replace('"EventData"', '"EventData" oops', 1)
    path = tmp_path / "dump.json"
    path.write_text(one + one.replace("\n", "\r\n") + broken + one)
    items = list(WindowsJsonReader().read(Input(path)))
    events = [i for i in items if not isinstance(i, Quarantined)]
    bad = [i for i in items if isinstance(i, Quarantined)]
    assert len(events) == 3 and len(bad) == 1
    assert bad[0].offset == 3 and "object 3" in bad[0].reason and "invalid JSON" in bad[0].reason
    # raw is the record re-serialized with sorted keys, so ids do not depend on formatting.
    assert len({e["raw"] for e in events}) == 1


def test_sentinel_sysmon_and_security_tables_normalize(data: Path, workspace: Workspace) -> None:
    folder = data / "windows-json" / "otrf" / "compound" / "Log4Shell"
    report = workspace.ingest([folder / "sysmon_log4shell_cve2021_44228_java_serialized_object.zip",
                               folder / "securityauditing_log4shell_cve2021_44228_java_serialized_object.zip"])
    assert sorted(r.records for r in report.results) == [39, 487]
    con = workspace.connect()
    sysmon = con.execute("""SELECT count(*), count(process_path), min(host_name) FROM events
                            WHERE product = 'sysmon' AND event_code = '1'""").fetchone()
    assert sysmon[0] > 0 and sysmon[1] == sysmon[0] and sysmon[2] == "WORKSTATION5"
    network = con.execute("""SELECT count(*), count(dst_ip), count(protocol) FROM events
                             WHERE product = 'security' AND event_code = '5156'""").fetchone()
    assert network[0] > 0 and network[0] == network[1] == network[2]


def test_utf16_and_bom_files_are_decoded_and_blank_lines_skipped(tmp_path: Path) -> None:
    lines = [json.dumps({"@timestamp": "2020-10-19T12:28:44.333Z", "EventID": 4688, "Channel": "Security",
                         "Hostname": "wsé", "NewProcessName": f"C:\\p{i}.exe"}) for i in range(3)]
    text = "\r\n".join(lines[:2]) + "\r\n\r\n" + lines[2] + "\r\n"
    (tmp_path / "u16.json").write_bytes(text.encode("utf-16"))
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    for inp in discover([tmp_path]):
        assert isinstance(detect_reader(inp.name, inp.head()), WindowsJsonReader)
        events = list(WindowsJsonReader().read(inp))
        assert [e["process_name"] for e in events] == ["p0.exe", "p1.exe", "p2.exe"], inp.display
        assert {e["host_name"] for e in events} == {"wsé"}
        assert events[0]["raw"] == lines[0]


def test_reader_output_validates_against_the_event_model(atomic: Path) -> None:
    inp = next(discover([atomic / SAMPLE_ZIPS[3]]))
    checked = 0
    for item in WindowsJsonReader().read(inp):
        assert not isinstance(item, Quarantined)
        Event.model_validate({**item, "id": event_id("windows", item["raw"])})
        checked += 1
    assert checked == 1041


def test_non_windows_json_is_left_to_other_readers() -> None:
    reader = WindowsJsonReader()
    for head in (b'{"eventVersion": "1.08", "eventName": "GetObject"}\n', b'{"ts": 1, "uid": "C1"}\n',
                 b"not json", io.BytesIO(b"").read()):
        assert not reader.sniff("x.json", head)
