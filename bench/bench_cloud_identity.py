"""Cloud and identity ingestion speed: CloudTrail, Okta, Entra/Azure and generic CSV.

Reader rates are records per CPU second of one process (what one core sustains), on
the shared test data repeated into files worth timing (the samples are small);
end to end is through ``Workspace.ingest`` with its worker pool, into a fresh store,
as wall-clock and as CPU seconds of all processes (the wall figure depends on what
else the machine runs), on gzipped CloudTrail ``{"Records": [...]}`` delivery files as AWS
writes them. Data: ``SOCPILOT_TEST_DATA`` or ``../shared/data``, as the tests find it.
"""

from __future__ import annotations

import gzip
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input
from socpilot.ingest.reader import Reader
from socpilot.ingest.readers.cloudtrail import CloudTrailReader
from socpilot.ingest.readers.entra import EntraReader
from socpilot.ingest.readers.field_mapping import FieldMapping
from socpilot.ingest.readers.generic import GenericReader
from socpilot.ingest.readers.json_records import iter_json_records, unwrap
from socpilot.ingest.readers.okta import OktaReader

DATA = Path(os.environ.get("SOCPILOT_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
TARGET = ">= 10,000/s per core (cloud logs are lower volume than host logs)"


def _records(paths: list[Path]) -> list[dict[str, Any]]:
    """The vendor records of some files, Panther wrappers removed."""
    return [unwrap(item.record)[0] for path in paths for item in iter_json_records(Input(path))
            if not hasattr(item, "reason")]


def _lines(path: Path, records: list[dict[str, Any]], copies: int) -> Path:
    with open(path, "wb") as f:
        for _ in range(copies):
            f.writelines(orjson.dumps(r) + b"\n" for r in records)
    return path


def _rate(reader: Reader, path: Path) -> tuple[int, float]:
    started = time.process_time()
    records = sum(1 for _ in reader.read(Input(path)))
    return records, records / max(time.process_time() - started, 1e-9)


def _cpu_seconds() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _row(name: str, records: int, rate: float) -> dict[str, Any]:
    return {"name": f"{name} ({records:,} records)", "value": round(rate), "unit": "records/CPU-s", "target": TARGET}


def run() -> list[dict[str, Any]]:
    cloudtrail = sorted((DATA / "cloud" / "cloudtrail").rglob("*.json*")) + \
        sorted((DATA / "cloud" / "cloudtrail").rglob("*.log"))
    trail = _records(cloudtrail)
    okta = _records(sorted((DATA / "identity" / "okta").rglob("*.jsonl")))
    entra = _records(sorted((DATA / "identity" / "azure").rglob("*.jsonl")) +
                     sorted((DATA / "identity" / "azure").rglob("*.log")) +
                     [DATA / "cloud" / "azure-activity" / "panther_azure_monitoractivity.jsonl"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, reader, records, copies in [
            ("CloudTrail reader, JSON lines", CloudTrailReader(), trail, 60),
            ("Okta reader, JSON lines", OktaReader(), okta, 500),
            ("Entra/Azure reader, JSON lines", EntraReader(), entra, 200),
        ]:
            rows.append(_row(name, *_rate(reader, _lines(folder / f"{reader.source}.jsonl", records, copies))))

        csv = folder / "fw.csv"
        with open(csv, "w", encoding="utf-8") as f:
            f.write("when,SrcAddr,SrcPort,DstAddr,DstPort,Proto,Account,Verdict\n")
            f.writelines(f"2026-11-27T08:{n // 3600 % 60:02d}:{n % 60:02d}Z,10.0.{n % 250}.{n % 200},{40000 + n % 9999},"
                         f"203.0.113.{n % 250},443,tcp,user{n % 300},allow\n" for n in range(50_000))
        mapping = FieldMapping.from_dict({"source": "fw", "time": {"column": "when"}, "columns": {
            "SrcAddr": "src_ip", "SrcPort": "src_port", "DstAddr": "dst_ip", "DstPort": "dst_port",
            "Proto": "protocol", "Account": "user_name", "Verdict": "activity"}}, "bench")
        rows.append(_row("generic reader, CSV with a mapping", *_rate(GenericReader(mapping), csv)))

        deliveries = folder / "AWSLogs"
        deliveries.mkdir()
        for n in range(40):  # 40 delivery files of 2,454 records, each a slice of one day as AWS cuts them
            doc = {"Records": [dict(r, eventID=f"{n}-{i}", eventTime=f"2026-11-{1 + n // 10:02d}T"
                                    f"{n % 10:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z")
                               for i, r in enumerate(trail * 3)]}
            (deliveries / f"trail_{n:02d}.json.gz").write_bytes(gzip.compress(orjson.dumps(doc)))
        ws = Workspace.open(folder / "home")
        started, cpu = time.perf_counter(), _cpu_seconds()
        report = ws.ingest([deliveries])
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        name = f"CloudTrail end to end, 40 gzipped Records files ({report.records:,} records)"
        rows.append({"name": name, "value": round(report.records / seconds), "unit": "records/s (wall)",
                     "target": TARGET.replace("per core", "on 2 cores")})
        rows.append({"name": name, "value": round(report.records / cpu), "unit": "records/CPU-s (all processes)",
                     "target": TARGET})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
