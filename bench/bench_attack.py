"""ATT&CK mapper: accuracy per corpus (unmasked and masked) and the time to map 1,000 characters.

Corpora: ``attack-text/*.jsonl`` from the shared test data (``SOCPILOT_TEST_DATA`` or
``../shared/data``, as the tests find it). Metrics are at parent-technique level (see
``socpilot.attack.evaluate``). TRAM is scored on its report sentences (subset
``tram2_single_label``), since its bootstrap sentences largely repeat ATT&CK procedure
examples the mapper indexes. Records that are also packaged labelled examples are scored
with themselves left out (leave-one-out), and each corpus is also scored without the examples
(ATT&CK text and cues only) to show what they add. The main figures are the mapper as CI
installs it (no embedding model); when the ``embed`` extra is installed, rows "with the embed
extra" add the embedding model's share. Latency is CPU time per call (the machine may be shared).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import orjson

from socpilot.attack import embeddings
from socpilot.attack.evaluate import evaluate, read_corpus
from socpilot.attack.mapper import dense_index, example_bank, map_text

DATA = Path(os.environ.get("SOCPILOT_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CORPORA = ("elastic-rules", "elastic-hunting", "splunk-detections")
TARGETS = {False: ">= 0.80", True: ">= 0.60"}
LEXICAL = partial(map_text, dense=False)


def _tram_report_sentences(path: Path) -> Path:
    """The TRAM records whose subset includes tram2_single_label, as a temporary JSONL."""
    out = Path(os.environ.get("TMPDIR", "/tmp")) / "socpilot-bench-tram2.jsonl"
    rows = [line for line in path.read_bytes().splitlines()
            if line.strip() and "tram2_single_label" in (orjson.loads(line).get("subset") or [])]
    out.write_bytes(b"\n".join(rows) + b"\n")
    return out


def _accuracy_rows(name: str, path: Path) -> list[dict]:
    records, skipped = read_corpus(path)
    rows = []
    for masked in (False, True):
        report = evaluate(records, masked=masked, skipped=skipped, mapper=LEXICAL)
        label = f"attack map {name}{' masked' if masked else ''} ({report.records} records)"
        target = TARGETS[masked] if name in CORPORA else ""
        rows.append({"name": f"{label}: top-3 parent recall", "value": round(report.top3_recall, 3),
                     "unit": "share", "target": target})
        rows.append({"name": f"{label}: top-1 parent recall", "value": round(report.top1_recall, 3),
                     "unit": "share", "target": ""})
        rows.append({"name": f"{label}: micro-F1", "value": round(report.micro_f1, 3), "unit": "F1",
                     "target": ""})
        alone = evaluate(records, masked=masked, skipped=skipped, examples=False, mapper=LEXICAL)
        rows.append({"name": f"{label}: top-3 parent recall without examples", "value": round(alone.top3_recall, 3),
                     "unit": "share", "target": ""})
        if embeddings.available():
            dense = evaluate(records, masked=masked, skipped=skipped)
            rows.append({"name": f"{label}: top-3 parent recall with the embed extra",
                         "value": round(dense.top3_recall, 3), "unit": "share", "target": ""})
    return rows


def _latency_rows() -> list[dict]:
    start = time.process_time()
    example_bank()
    build = time.process_time() - start
    texts = []
    for line in (DATA / "attack-text" / "splunk-detections.jsonl").read_bytes().splitlines()[:200]:
        row = orjson.loads(line)
        texts.append((row["description"] + " " + (row.get("query") or "") + " " * 1000)[:1000])
    timings = _timings(texts, LEXICAL)
    rows = [
        {"name": "attack map: index and examples build (once per process)", "value": round(build, 2), "unit": "s CPU",
         "target": ""},
        {"name": "attack map: 1,000-character text, median", "value": round(statistics.median(timings) * 1000, 1),
         "unit": "ms CPU", "target": "< 50"},
        {"name": "attack map: 1,000-character text, p95", "value": round(timings[int(len(timings) * 0.95)] * 1000, 1),
         "unit": "ms CPU", "target": "< 50"},
    ]
    if embeddings.available():
        start = time.perf_counter()
        dense_index()
        rows.append({"name": "attack map with the embed extra: model and vectors load", "unit": "s wall",
                     "value": round(time.perf_counter() - start, 1), "target": ""})
        dense = _timings(texts, map_text, clock=time.perf_counter)
        rows.append({"name": "attack map with the embed extra: 1,000-character text, median", "unit": "ms wall",
                     "value": round(statistics.median(dense) * 1000, 1), "target": ""})
    return rows


def _timings(texts: list[str], mapper: Callable[..., object],
             clock: Callable[[], float] = time.process_time) -> list[float]:
    timings = []
    for text in texts:
        start = clock()
        mapper(text, top=5)
        timings.append(clock() - start)
    return sorted(timings)


def run() -> list[dict]:
    rows = _latency_rows()
    for name in CORPORA:
        rows.extend(_accuracy_rows(name, DATA / "attack-text" / f"{name}.jsonl"))
    rows.extend(_accuracy_rows("tram report sentences", _tram_report_sentences(DATA / "attack-text" / "tram.jsonl")))
    return rows


if __name__ == "__main__":
    for row in run():
        sys.stdout.write(f"{row['name']}: {row['value']} {row['unit']} (target {row['target'] or '-'})\n")
