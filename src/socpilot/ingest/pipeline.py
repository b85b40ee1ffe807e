"""Ingest inputs into the store: detect the reader, stream, stage parts, commit per input.

Inputs are independent, so they are read in a pool of worker processes (one per
core); the parent only commits finished inputs to the catalog, one at a time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from socpilot.ingest.inputs import Input, discover
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.readers import detect_reader, reader_by_source
from socpilot.ingest.readers.field_mapping import FieldMapping
from socpilot.ingest.readers.generic import GenericReader
from socpilot.model.event import event_id
from socpilot.store.store import Finished, Store
from socpilot.store.writer import PartInfo, PartWriter


@dataclass
class InputResult:
    display: str
    key: str
    source: str | None = None
    records: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    parts: list[PartInfo] = field(default_factory=list)
    skipped: str | None = None  # why nothing was read (already ingested, unknown format)
    seconds: float = 0.0


@dataclass
class IngestReport:
    results: list[InputResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(r.records for r in self.results)

    @property
    def quarantined(self) -> int:
        return sum(len(r.quarantined) for r in self.results)

    def per_source(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for r in self.results:
            if r.source is None:
                continue
            row = table.setdefault(r.source, {"inputs": 0, "records": 0, "quarantined": 0})
            row["inputs"] += 1
            row["records"] += r.records
            row["quarantined"] += len(r.quarantined)
        return table

    def to_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "quarantined": self.quarantined,
            "seconds": round(self.seconds, 3),
            "per_source": self.per_source(),
            "inputs": [
                {"input": r.display, "source": r.source, "records": r.records,
                 "quarantined": [{"offset": q.offset, "reason": q.reason} for q in r.quarantined],
                 "skipped": r.skipped}
                for r in self.results
            ],
        }


def read_input(inp: Input, key: str, staging: Path, source: str | None,
               mapping: FieldMapping | None = None) -> InputResult:
    """Read one input completely into staged parts. Runs in a worker process."""
    started = time.perf_counter()
    result = InputResult(inp.display, key)
    try:
        reader = (GenericReader(mapping) if mapping else reader_by_source(source) if source
                  else detect_reader(inp.name, inp.head()))
    except KeyError as exc:
        result.skipped = str(exc)
        return result
    if reader is None:
        result.skipped = (f"{inp.display}: no reader recognises this input; pass --source NAME "
                          "or a generic mapping file if it is a log")
        return result
    result.source = reader.source
    writer = PartWriter(staging, key[:16])
    seen: dict[str, int] = {}
    display = inp.display
    try:
        for item in reader.read(inp):
            if isinstance(item, Quarantined):
                result.quarantined.append(item)
                continue
            src = item.get("source") or reader.source
            item["source"] = src
            eid = event_id(src, item["raw"])
            if eid in seen:  # the same record twice in one input: keep both, apart
                seen[eid] += 1
                eid = f"{eid}#{seen[eid]}"
            else:
                seen[eid] = 0
            item["id"] = eid
            item["file"] = display
            writer.add(item)
            result.records += 1
    except Exception as exc:  # a reader bug must not cost the other inputs
        result.quarantined.append(Quarantined.of(result.records, f"reader {reader.source} failed: {exc!r}", b""))
    result.parts = writer.close()
    result.seconds = time.perf_counter() - started
    return result


ProgressFn = Callable[[InputResult, int, int], None]

COMMIT_EVERY_INPUTS = 64
COMMIT_EVERY_SECONDS = 1.0


class _CommitBatch:
    """Finished inputs waiting for one catalog transaction: many small inputs, few commits."""

    def __init__(self, store: Store, report: IngestReport, total: int, progress: ProgressFn | None) -> None:
        self.store, self.report, self.total, self.progress = store, report, total, progress
        self.waiting: list[InputResult] = []
        self.last = time.perf_counter()
        self.done = 0

    def add(self, result: InputResult, con: duckdb.DuckDBPyConnection) -> None:
        self.waiting.append(result)
        if len(self.waiting) >= COMMIT_EVERY_INPUTS or time.perf_counter() - self.last >= COMMIT_EVERY_SECONDS:
            self.flush(con)

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        results, self.waiting = self.waiting, []
        self.store.commit_many([
            Finished(r.key, r.display, r.source, r.records, r.parts, r.quarantined)
            for r in results if r.source is not None and r.skipped is None
        ], con)
        for r in results:
            if r.source is None and r.skipped and "no reader" in r.skipped:
                self.store.record_unreadable(r.key, r.display, r.skipped, con)
        self.last = time.perf_counter()
        for r in results:
            self.report.results.append(r)
            self.done += 1
            if self.progress:
                self.progress(r, self.done, self.total)


def _outcome(fut: Future[InputResult], inp: Input, key: str) -> InputResult:
    """A worker's result; a worker that died (killed, out of memory) costs only its input,
    which stays un-ingested so the next run retries it."""
    try:
        return fut.result()
    except Exception as exc:
        return InputResult(inp.display, key, skipped=f"{inp.display}: worker failed ({exc!r}); "
                           "nothing of it was stored, run the ingest again")


def ingest(paths: Iterable[Path], store: Store, source: str | None = None,
           workers: int | None = None, progress: ProgressFn | None = None,
           mapping: FieldMapping | None = None) -> IngestReport:
    """Ingest files and folders; inputs already in the catalog (same content) are skipped.

    With a ``mapping`` every input is read by the generic reader under that mapping.
    """
    started = time.perf_counter()
    store.recover()
    inputs = list(discover(paths))
    done = store.ingested_keys()
    report = IngestReport()
    todo: list[tuple[Input, str]] = []
    claimed: set[str] = set()
    for inp in inputs:
        try:
            key = inp.key()
        except OSError as exc:  # unreadable (permissions, vanished): say so, go on with the rest
            report.results.append(InputResult(inp.display, "", skipped=f"{inp.display}: cannot be read ({exc})"))
            continue
        if key in done or key in claimed:
            report.results.append(InputResult(inp.display, key, skipped="already ingested (same content)"))
        else:
            claimed.add(key)
            todo.append((inp, key))
    total = len(todo)

    batch = _CommitBatch(store, report, total, progress)
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, max(1, total))
    with store.writing() as con:
        if n_workers <= 1 or total <= 1:
            for inp, key in todo:
                batch.add(read_input(inp, key, store.staging_for(key), source, mapping), con)
        else:
            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                # Largest first keeps both cores busy to the end.
                todo.sort(key=lambda t: -t[0].path.stat().st_size)
                submitted: dict[Future[InputResult], tuple[Input, str]] = {
                    pool.submit(read_input, inp, key, store.staging_for(key), source, mapping): (inp, key)
                    for inp, key in todo
                }
                pending = set(submitted)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        batch.add(_outcome(fut, *submitted[fut]), con)
        batch.flush(con)
    report.seconds = time.perf_counter() - started
    return report
