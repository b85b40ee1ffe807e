"""Hostile and damaged input: the bad part is quarantined with where and why, the rest is kept."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socpilot.api import Workspace
from socpilot.cli import app
from socpilot.ingest import pipeline
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers.evtx import EvtxReader
from socpilot.ingest.readers.windows_json import WindowsJsonReader
from socpilot.model.event import event_id

pipeline_read_input = pipeline.read_input

EVTX = "evtx/evtx-attack-samples/Command and Control/DE_RDP_Tunnel_5156.evtx"  # 101 records
OTRF = "windows-json/otrf/atomic/windows/discovery/host/cmd_discover_iexplorer_version_registry.zip"  # 68 lines


def _otrf_lines(data: Path) -> list[bytes]:
    with zipfile.ZipFile(data / OTRF) as zf:
        member = next(n for n in zf.namelist() if not n.startswith("__MACOSX"))
        return zf.read(member).splitlines(keepends=True)


def _ids(workspace: Workspace) -> list[str]:
    return sorted(row[0] for row in workspace.connect().execute("SELECT id FROM events").fetchall())


def test_flipped_bytes_in_an_evtx_record_cost_that_record_only(data: Path, tmp_path: Path) -> None:
    clean = (data / EVTX).read_bytes()
    record_starts = [i for i in range(len(clean) - 4) if clean[i:i + 4] == b"\x2a\x2a\x00\x00"]
    assert len(record_starts) == 101
    damaged = bytearray(clean)
    body = record_starts[50] + 24  # past the 24-byte record header: the record's BinXML
    damaged[body:body + 16] = b"\xff" * 16
    path = tmp_path / "damaged.evtx"
    path.write_bytes(bytes(damaged))
    items = list(EvtxReader().read(Input(path)))
    bad = [i for i in items if isinstance(i, Quarantined)]
    kept = [i for i in items if not isinstance(i, Quarantined)]
    assert (len(kept), len(bad), bad[0].offset) == (100, 1, 51)
    assert "record 51" in bad[0].reason
    good = {event_id("windows", e["raw"]) for e in EvtxReader().read(Input(data / EVTX))}
    assert {event_id("windows", e["raw"]) for e in kept} < good


def test_truncated_gzip_keeps_every_complete_line_before_the_break(data: Path, tmp_path: Path,
                                                                  workspace: Workspace) -> None:
    lines = _otrf_lines(data)
    packed = gzip.compress(b"".join(lines))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cut.json.gz").write_bytes(packed[: len(packed) * 6 // 10])
    report = workspace.ingest([tmp_path / "in"])
    (result,) = report.results
    assert 0 < result.records < len(lines)
    assert len(result.quarantined) == 1 and "compressed stream is broken" in result.quarantined[0].reason
    assert result.quarantined[0].offset == result.records + 1
    expected = sorted(event_id("windows", line.rstrip(b"\r\n").decode()) for line in lines[: result.records])
    assert _ids(workspace) == expected


def test_truncated_gzipped_evtx_keeps_every_complete_chunk(data: Path, tmp_path: Path) -> None:
    clean = (data / "evtx/evtx-attack-samples/Command and Control/bits_openvpn.evtx").read_bytes()  # 1,537
    packed = gzip.compress(clean)
    cut = tmp_path / "cut.evtx.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    items = list(EvtxReader().read(Input(cut)))
    bad = [i for i in items if isinstance(i, Quarantined)]
    assert len(bad) == 1 and "compressed stream broken at byte" in bad[0].reason
    # What survives is the file header and every whole 64 KiB chunk in the salvaged bytes.
    chunks = (bad[0].offset - 4096) // 65536
    whole = tmp_path / "whole_chunks.evtx"
    whole.write_bytes(clean[: 4096 + chunks * 65536])
    expected = [e["raw"] for e in EvtxReader().read(Input(whole))]
    assert chunks >= 2 and 0 < len(expected) < 1537
    assert [e["raw"] for e in items if not isinstance(e, Quarantined)] == expected


def test_invalid_json_lines_are_quarantined_by_line_number(data: Path, tmp_path: Path,
                                                           workspace: Workspace) -> None:
    lines = _otrf_lines(data)[:50]
    for n in (10, 20, 30):
        lines[n - 1] = lines[n - 1][: len(lines[n - 1]) // 2] + b"\n"
    path = tmp_path / "bad.json"
    path.write_bytes(b"".join(lines))
    report = workspace.ingest([path])
    (result,) = report.results
    assert (result.records, [q.offset for q in result.quarantined]) == (47, [10, 20, 30])
    assert all(f"line {q.offset}: invalid JSON" in q.reason for q in result.quarantined)
    assert result.quarantined[0].head == lines[9][:256].rstrip(b"\n")
    rows = workspace.connect().execute(
        "SELECT file, \"offset\", reason FROM catalog.quarantine ORDER BY \"offset\"").fetchall()
    assert [(Path(f).name, o) for f, o, _ in rows] == [("bad.json", 10), ("bad.json", 20), ("bad.json", 30)]


def test_bytes_that_are_not_utf8_are_replaced_and_the_record_kept(data: Path, tmp_path: Path) -> None:
    lines = _otrf_lines(data)[:5]
    lines[2] = lines[2].replace(b'"EventID"', b'"Note":"caf\xe9","EventID"', 1)  # latin-1 e-acute
    path = tmp_path / "latin1.json"
    path.write_bytes(b"".join(lines))
    items = list(Workspace.open(tmp_path / "h").ingest([path]).results)
    assert (items[0].records, items[0].quarantined) == (5, [])
    note = Workspace.open(tmp_path / "h").connect().execute(
        "SELECT fields['Note'] FROM events WHERE fields['Note'] IS NOT NULL").fetchall()
    assert note == [("caf\ufffd",)]


def test_an_oversized_line_is_quarantined_without_losing_its_neighbours(data: Path, tmp_path: Path,
                                                                       workspace: Workspace) -> None:
    lines = _otrf_lines(data)[:4]
    huge = lines[1].replace(b'"EventID"', b'"Blob":"' + b"A" * (17 << 20) + b'","EventID"', 1)
    path = tmp_path / "huge.json"
    path.write_bytes(lines[0] + huge + lines[2] + lines[3])
    (result,) = workspace.ingest([path]).results
    assert (result.records, [q.offset for q in result.quarantined]) == (3, [2])
    assert "over the" in result.quarantined[0].reason and f"{len(huge):,} bytes" in result.quarantined[0].reason


def test_an_unknown_binary_file_is_reported_and_the_others_still_ingest(data: Path, tmp_path: Path,
                                                                        workspace: Workspace) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "blob.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "in" / "ok.evtx").write_bytes((data / EVTX).read_bytes())
    report = workspace.ingest([tmp_path / "in"])
    skipped = [r for r in report.results if r.skipped]
    assert report.records == 101 and len(skipped) == 1
    assert "blob.bin" in skipped[0].skipped and "no reader recognises" in skipped[0].skipped
    assert workspace.status()["quarantined"] == 1


def test_reingest_adds_nothing_and_a_fresh_store_gives_the_same_ids(data: Path, tmp_path: Path) -> None:
    first = Workspace.open(tmp_path / "a")
    first.ingest([data / EVTX, data / OTRF])
    again = first.ingest([data / EVTX, data / OTRF])
    assert again.records == 0 and all(r.skipped == "already ingested (same content)" for r in again.results)
    second = Workspace.open(tmp_path / "b")
    second.ingest([data / OTRF, data / EVTX])
    assert _ids(first) == _ids(second) and len(_ids(first)) == 101 + 68


def test_strict_makes_a_quarantined_record_an_error_exit(data: Path, tmp_path: Path) -> None:
    lines = _otrf_lines(data)[:3]
    path = tmp_path / "one_bad.json"
    path.write_bytes(lines[0] + b"{broken\n" + lines[2])
    runner = CliRunner()
    lenient = runner.invoke(app, ["ingest", str(path), "--home", str(tmp_path / "h1"), "--json"])
    strict = runner.invoke(app, ["ingest", str(path), "--home", str(tmp_path / "h2"), "--json", "--strict"])
    assert (lenient.exit_code, strict.exit_code) == (0, 2)
    assert '"quarantined": 1' in strict.stdout


def test_sigkill_mid_ingest_leaves_nothing_half_visible_and_a_rerun_completes_once(
        data: Path, tmp_path: Path) -> None:
    atomic = data / "windows-json/otrf/atomic"
    names = ["windows/defense_evasion/host/reg_disable_eventlog_service_startuptype_modification_via_registry.zip",
             "windows/defense_evasion/host/reg_stop_event_logging_controlset001_minint_key.zip",
             "windows/defense_evasion/host/cmd_stop_event_logging_controlset_minint_key.zip",
             "windows/discovery/host/cmd_discover_iexplorer_version_registry.zip"]
    with open(atomic / "counts.csv", newline="") as f:
        expected = sum(int(r["events"]) for r in csv.DictReader(f) if r["zip"] in names and r["format"] == "jsonl")
    zips = [atomic / name for name in names]
    home = tmp_path / "home"
    socpilot = Path(sys.executable).with_name("socpilot")  # the installed command, as a user runs it
    proc = subprocess.Popen([str(socpilot), "ingest", "--json", "--home", str(home), *map(str, zips)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    staging = home / "store" / "staging"
    deadline = time.monotonic() + 120
    while not (staging.exists() and any(staging.glob("*.parquet"))):
        assert proc.poll() is None, "the ingest finished before any part was staged"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole ingest: parent and its worker processes
    proc.wait()

    killed = Workspace.open(home)
    with killed.store.catalog(read_only=True) as con:
        committed = dict(con.execute("SELECT key, records FROM inputs").fetchall())
    # Every listed input is whole: the visible rows are exactly the committed inputs' records.
    assert killed.status()["events"] == sum(committed.values()) < expected

    rerun = killed.ingest(zips)
    assert rerun.records + sum(committed.values()) == expected
    con = killed.connect()
    assert con.execute("SELECT count(*), count(DISTINCT file) FROM events").fetchone() == (expected, 4)
    assert con.execute("SELECT count(*) FROM catalog.inputs").fetchone() == (4,)
    assert not any(staging.glob("*.parquet"))


def _dying_reader(inp: Input, *args: object) -> object:
    """A worker that is killed (as by the OOM killer) while reading the EVTX input."""
    if inp.path.suffix == ".evtx":
        os._exit(137)
    return pipeline_read_input(inp, *args)  # type: ignore[arg-type]


def test_a_worker_killed_mid_input_costs_no_committed_data_and_a_rerun_recovers(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.evtx").write_bytes((data / EVTX).read_bytes())
    (tmp_path / "in" / "b.json").write_bytes(b"".join(_otrf_lines(data)))
    workspace = Workspace.open(tmp_path / "home")
    monkeypatch.setattr(pipeline, "read_input", _dying_reader)
    monkeypatch.setattr(pipeline, "GROUP_BYTES", 1)  # each input in its own worker task
    report = workspace.ingest([tmp_path / "in"], workers=2)
    failed = [r for r in report.results if r.skipped and "worker failed" in r.skipped]
    assert any(r.display.endswith("a.evtx") for r in failed)
    assert workspace.status()["events"] == report.records
    monkeypatch.undo()
    workspace.ingest([tmp_path / "in"], workers=2)
    assert workspace.status()["events"] == 101 + 68


def test_hostile_nesting_is_quarantined_in_both_json_layouts(data: Path, tmp_path: Path) -> None:
    one = next((data / "sigma" / "regression-dev").rglob("*.json")).read_text()
    deep_object = '{"Event": {"System": {}, "EventData": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}}\n"
    (tmp_path / "dump.json").write_text(one + deep_object + one)
    ok = '{"EventID": 1, "Channel": "Security", "TimeCreated": "2020-01-01T00:00:00Z"}\n'
    deep_line = ok[:-2] + ', "x": ' + "[" * 3000 + "]" * 3000 + "}\n"
    (tmp_path / "lines.json").write_text(ok + deep_line + ok)
    for name, where in (("dump.json", "object 2"), ("lines.json", "line 2")):
        items = list(WindowsJsonReader().read(Input(tmp_path / name)))
        assert [isinstance(i, Quarantined) for i in items] == [False, True, False], name
        assert items[1].reason.startswith(where) and items[1].offset == 2


def test_forcing_the_windows_source_picks_the_windows_reader_that_fits(data: Path, tmp_path: Path,
                                                                       workspace: Workspace) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.log").write_bytes((data / EVTX).read_bytes())  # names that say nothing
    (tmp_path / "in" / "b.log").write_bytes(b"".join(_otrf_lines(data)))
    report = workspace.ingest([tmp_path / "in"], source="windows")
    assert sorted(r.records for r in report.results) == [68, 101] and report.quarantined == 0
    unknown = Workspace.open(tmp_path / "other").ingest([tmp_path / "in"], source="nonesuch")
    assert unknown.records == 0 and all("unknown source 'nonesuch'" in r.skipped for r in unknown.results)
