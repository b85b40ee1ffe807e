"""EVTX on the real EVTX-ATTACK-SAMPLES: every record read, normalized and stored."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader
from socpilot.ingest.readers.evtx import EvtxReader
from socpilot.model.event import Event, event_id


@pytest.fixture(scope="module")
def samples(data: Path) -> Path:
    return data / "evtx" / "evtx-attack-samples"


@pytest.fixture(scope="module")
def expected(data: Path) -> dict[str, tuple[int, Counter[str]]]:
    """Per file (relative to evtx/): record count and records per channel, from counts.csv."""
    rows = {}
    with open(data / "evtx" / "counts.csv", newline="") as f:
        for row in csv.DictReader(f):
            channels: Counter[str] = Counter()
            for part in filter(None, row["channels"].split(";")):
                name, _, count = part.rpartition("=")
                channels[name] += int(count)
            rows[row["evtx_path"]] = (int(row["records"]), channels)
    return rows


def test_every_record_of_the_277_files_is_read_none_quarantined(samples: Path, expected: dict) -> None:
    reader = EvtxReader()
    total, quarantined, files = 0, [], 0
    for path in sorted(samples.rglob("*.evtx")):
        inp = Input(path)
        assert detect_reader(inp.name, inp.head()).__class__ is EvtxReader
        items = list(reader.read(inp))
        events = [i for i in items if not isinstance(i, Quarantined)]
        quarantined += [i for i in items if isinstance(i, Quarantined)]
        records, channels = expected[path.relative_to(samples.parent).as_posix()]
        assert len(events) == records, path
        assert Counter(e["channel"] or "(none)" for e in events) == channels, path
        total += len(events)
        files += 1
    assert (files, total, quarantined) == (277, 8255, [])


def test_folder_ingest_stores_every_record_once_and_skips_the_byte_identical_copy(
        samples: Path, workspace: Workspace) -> None:
    report = workspace.ingest([samples])
    duplicates = [r for r in report.results if r.skipped and "already" in r.skipped]
    # UACME_59_Sysmon.evtx (7 records) is filed twice, byte for byte: 8,255 - 7 distinct records.
    assert [Path(r.display).name for r in duplicates] == ["UACME_59_Sysmon.evtx"]
    assert (report.records, report.quarantined, report.per_source()["windows"]["inputs"]) == (8248, 0, 276)
    con = workspace.connect()
    # Ids are content-based: 6 records were exported into two different files each
    # (the MSSQL xp_cmdshell and ATSVC scheduled-task samples), so they share an id.
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM events").fetchone() == (8248, 8242)
    by_product = dict(con.execute("SELECT product, count(*) FROM events GROUP BY 1").fetchall())
    assert (by_product["sysmon"], by_product["security"]) == (3241 - 7, 1577)


def test_sysmon_1_and_security_4688_land_in_process_with_image_and_command_line(
        samples: Path, workspace: Workspace) -> None:
    workspace.ingest([samples / "Execution", samples / "Defense Evasion", samples / "Privilege Escalation"])
    rows = workspace.connect().execute(
        """SELECT product, count(*), count(process_path), count(process_name), count(process_cmd),
                  count(parent_name), count(DISTINCT class_name), min(class_name), min(activity)
           FROM events WHERE (product = 'sysmon' AND event_code = '1') OR (product = 'security' AND event_code = '4688')
           GROUP BY product ORDER BY product""").fetchall()
    assert [r[0] for r in rows] == ["security", "sysmon"]
    for _product, n, paths, names, _cmds, _parents, classes, class_name, activity in rows:
        assert n > 0 and paths == names == n
        assert (classes, class_name, activity) == (1, "process", "launch")
    _, n, _, _, cmds, parents, *_ = rows[1]
    assert cmds == parents == n  # Sysmon always logs the command line and the parent


def test_reader_output_validates_against_the_event_model(samples: Path) -> None:
    reader = EvtxReader()
    checked = 0
    for path in sorted(samples.rglob("*.evtx"))[::9]:
        for item in reader.read(Input(path)):
            assert not isinstance(item, Quarantined)
            Event.model_validate({**item, "id": event_id("windows", item["raw"]), "file": str(path)})
            checked += 1
    assert checked > 500
