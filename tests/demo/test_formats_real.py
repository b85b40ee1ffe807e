"""The generated records look like the real ones in the shared data: same keys, same headers."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import orjson

from socpilot.demo import DemoManifest
from socpilot.demo.formats import zeek as zeek_fmt

_HEADER = {"EventTime", "Hostname", "Keywords", "EventType", "SeverityValue", "Severity", "EventID", "SourceName",
           "ProviderGuid", "Version", "Task", "OpcodeValue", "ExecutionProcessID", "Channel", "Domain",
           "AccountName", "UserID", "AccountType", "Opcode", "EventReceivedTime", "SourceModuleName",
           "SourceModuleType", "@version", "@timestamp", "RuleName", "UtcTime", "Message", "ThreadID",
           "RecordNumber", "port", "host", "tags", "ActivityID", "Category", "TimeCreated", "Level"}


def _real_keys(data: Path, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], set[str]]:
    """EventData keys per (Channel, EventID) in the OTRF comsvcs LSASS dump campaign (NXLog JSON lines)."""
    found: dict[tuple[str, int], set[str]] = {}
    zf = zipfile.ZipFile(data / "windows-json/otrf/compound/LSASS_campaign_03/metasploit_comsvcs_lsass_memory_dump.zip")
    with zf.open("metasploit_comsvcs_lsass_memory_dump.json") as f:
        for line in f:
            rec = orjson.loads(line)
            key = (rec.get("Channel"), rec.get("EventID"))
            if key in wanted and key not in found:
                found[key] = set(rec) - _HEADER
                if len(found) == len(wanted):
                    break
    return found


def test_sysmon_and_security_records_use_the_real_eventdata_names(data: Path, small_demo: DemoManifest):
    sysmon = "Microsoft-Windows-Sysmon/Operational"
    wanted = {(sysmon, 1), (sysmon, 3), (sysmon, 10), (sysmon, 11), (sysmon, 22), ("Security", 4624), ("System", 7045)}
    real = _real_keys(data, wanted)
    ours: dict[tuple[str, int], set[str]] = {}
    for path in small_demo.files["windows"]:
        for line in path.read_bytes().splitlines():
            rec = orjson.loads(line)
            key = (rec["Channel"], rec["EventID"])
            if key in wanted and key not in ours:
                ours[key] = set(rec) - _HEADER
    assert set(real) == wanted and set(ours) == wanted
    for key in wanted:
        missing = real[key] - ours[key]
        assert not missing, f"{key}: generated records lack {sorted(missing)}"
    # And ours carry nothing the real records would not have.
    assert ours[(sysmon, 1)] == real[(sysmon, 1)]


def test_zeek_headers_match_real_zeek_logs(data: Path):
    zf = zipfile.ZipFile(data / "windows-json/otrf/compound/LSASS_campaign_03/metasploit_comsvcs_lsass_memory_dump_zeek_logs.zip")
    for log in ("conn", "dns", "http"):
        real = zf.read(f"{log}.log").decode().splitlines()
        fields = next(line for line in real if line.startswith("#fields")).split("\t")[1:]
        types = next(line for line in real if line.startswith("#types")).split("\t")[1:]
        assert list(zeek_fmt.LOGS[log][0]) == fields
        assert list(zeek_fmt.LOGS[log][1]) == types
    ssl = gzip.decompress((data / "zeek/wrccdc2018/tsv/ssl.log.gz").read_bytes()).decode().splitlines()[:8]
    assert list(zeek_fmt.LOGS["ssl"][0]) == next(line for line in ssl if line.startswith("#fields")).split("\t")[1:]
    header = zeek_fmt.header("dns", 0).splitlines()
    assert header[:4] == [line for line in zf.read("dns.log").decode().splitlines()[:4]]
