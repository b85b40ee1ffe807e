"""Network sensor ingestion speed: the Zeek and Suricata readers alone, and Zeek end to end.

Reader rates are records per CPU second of one process (what one core sustains);
end to end is wall-clock through ``Workspace.ingest`` with its worker pool, into a
fresh store. Data: zeek/wrccdc2018 (158,439 records per format) from the shared
test data (``SOCPILOT_TEST_DATA`` or ``../shared/data``, as the tests find it).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from socpilot.api import Workspace
from socpilot.ingest.inputs import Input, discover
from socpilot.ingest.reader import Reader
from socpilot.ingest.readers.suricata import SuricataReader
from socpilot.ingest.readers.zeek import ZeekReader

DATA = Path(os.environ.get("SOCPILOT_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
EVE_COPIES = 2_000  # the EVE fixtures are small: repeat them into one file worth timing


def _read_rate(reader: Reader, inputs: list[Input]) -> tuple[int, float]:
    started = time.process_time()
    records = sum(1 for inp in inputs for _ in reader.read(inp))
    return records, records / max(time.process_time() - started, 1e-9)


def _cpu_seconds() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _eve_file(folder: Path) -> Path:
    lines: list[bytes] = []
    for path in sorted((DATA / "suricata").rglob("*.log")):
        lines += [line for line in path.read_bytes().splitlines() if line.strip()]
    target = folder / "eve.json"
    with open(target, "wb") as f:
        for _ in range(EVE_COPIES):
            f.write(b"\n".join(lines) + b"\n")
    return target


def run() -> list[dict[str, Any]]:
    wrccdc = DATA / "zeek" / "wrccdc2018"
    rows: list[dict[str, Any]] = []
    for fmt in ("tsv", "json"):
        records, rate = _read_rate(ZeekReader(), list(discover([wrccdc / fmt])))
        rows.append({"name": f"Zeek {fmt.upper()} reader, wrccdc2018 ({records:,} records, gzipped)",
                     "value": rate, "unit": "records/CPU-s", "target": "no target; 74k/s is orjson alone on host JSON"})
    with tempfile.TemporaryDirectory() as tmp:
        eve = _eve_file(Path(tmp))
        records, rate = _read_rate(SuricataReader(), [Input(eve)])
        rows.append({"name": f"Suricata EVE reader, Elastic fixtures x{EVE_COPIES} ({records:,} events)",
                     "value": rate, "unit": "records/CPU-s", "target": ""})
        ws = Workspace.open(Path(tmp) / "home")
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        report = ws.ingest([wrccdc / "tsv"])
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    rows.append({"name": f"Zeek TSV end to end, wrccdc2018 ({report.records:,} records, 32 files)",
                 "value": report.records / seconds, "unit": "records/s", "target": ">= 50,000/s (issue 7, host data)",
                 "met": report.records / seconds >= 50_000})
    rows.append({"name": "Zeek TSV end to end, wall time", "value": seconds, "unit": "s", "target": ""})
    # Wall time depends on what else the machine runs; CPU time of parent and workers does not.
    rows.append({"name": "Zeek TSV end to end, per CPU second (parent + workers)", "value": report.records / cpu,
                 "unit": "records/CPU-s", "target": ""})
    rows.append({"name": "peak RSS of one process (parent or a worker)", "value": peak, "unit": "MiB",
                 "target": "< 1,536 MiB (issue 7)", "met": peak < 1536})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
