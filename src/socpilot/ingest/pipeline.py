"""Ingest inputs into the store: detect the reader, stream, stage parts, commit.

Inputs are independent, so they are read in a pool of worker processes (one per
core), largest first, small ones in groups that share parts; the parent only commits
finished inputs to the catalog, several per transaction, each visible whole or not at all.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from socpilot.ingest.inputs import Input, discover
from socpilot.ingest.quarantine import Quarantined
from socpilot.ingest.reader import Reader
from socpilot.ingest.readers import all_readers, detect_reader, reader_by_source
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


def _forced_reader(source: str, inp: Input) -> Reader:
    """The reader for ``--source``: of the readers with that name (windows has EVTX and
    JSON), the one that recognises the input, else the first."""
    candidates = [r for r in all_readers() if r.source == source]
    if not candidates:
        return reader_by_source(source)  # raises KeyError naming the known sources
    head = inp.head()
    return next((r for r in candidates if r.sniff(inp.name.lower(), head)), candidates[0])


def read_input(inp: Input, key: str, writer: PartWriter, source: str | None,
               mapping: FieldMapping | None = None) -> InputResult:
    """Read one input completely into a part writer. Runs in a worker process."""
    started = time.perf_counter()
    result = InputResult(inp.display, key)
    try:
        reader = (GenericReader(mapping) if mapping else _forced_reader(source, inp) if source
                  else detect_reader(inp.name, inp.head()))
    except KeyError as exc:
        result.skipped = str(exc)
        return result
    if reader is None:
        result.skipped = (f"{inp.display}: no reader recognises this input; pass --source NAME "
                          "or a generic mapping file if it is a log")
        return result
    result.source = reader.source
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
    result.seconds = time.perf_counter() - started
    return result


def read_group(group: list[tuple[Input, str]], staging: Path, source: str | None,
               mapping: FieldMapping | None = None) -> list[InputResult]:
    """Read inputs into shared parts. Runs in a worker process.

    Small inputs share parts (a Parquet file costs ~4 ms to write and every query pays
    per file); the group is committed in one transaction, its parts listed under its
    first stored input, so the group becomes visible whole or not at all.
    """
    writer = PartWriter(staging, group[0][1][:16])
    # Events form no reference cycles; the cyclic collector would only walk the
    # buffered objects over and over, at a cost measured in tens of percent.
    collecting = gc.isenabled()
    gc.disable()
    try:
        results = [read_input(inp, key, writer, source, mapping) for inp, key in group]
        parts = writer.close()
    finally:
        if collecting:
            gc.enable()
    stored = [r for r in results if r.source is not None and r.skipped is None]
    if stored:
        stored[0].parts = parts
    return results


GROUP_BYTES = 4 << 20  # inputs smaller than this (on disk) are read together
GROUP_INPUTS = 64


def plan_groups(todo: list[tuple[Input, str]], sizes: dict[Path, int]) -> list[list[tuple[Input, str]]]:
    """Largest inputs first, each alone; then the small ones packed into groups."""
    ordered = sorted(todo, key=lambda t: -sizes[t[0].path])
    groups: list[list[tuple[Input, str]]] = []
    small: list[tuple[Input, str]] = []
    small_bytes = 0
    for item in ordered:
        size = sizes[item[0].path]
        if size >= GROUP_BYTES:
            groups.append([item])
            continue
        if small and (small_bytes + size > GROUP_BYTES or len(small) >= GROUP_INPUTS):
            groups.append(small)
            small, small_bytes = [], 0
        small.append(item)
        small_bytes += size
    if small:
        groups.append(small)
    return groups


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

    def add(self, results: list[InputResult], con: duckdb.DuckDBPyConnection) -> None:
        self.waiting.extend(results)  # a group goes into one transaction
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


def _outcome(fut: Future[list[InputResult]], group: list[tuple[Input, str]]) -> list[InputResult]:
    """A worker's results; a worker that died (killed, out of memory) costs only its inputs,
    which stay un-ingested so the next run retries them."""
    try:
        return fut.result()
    except Exception as exc:
        return [InputResult(inp.display, key, skipped=f"{inp.display}: worker failed ({exc!r}); "
                            "nothing of it was stored, run the ingest again") for inp, key in group]


def ingest(paths: Iterable[Path], store: Store, source: str | None = None,
           workers: int | None = None, progress: ProgressFn | None = None,
           mapping: FieldMapping | None = None) -> IngestReport:
    """Ingest files and folders; inputs already in the catalog (same content) are skipped.

    With a ``mapping`` every input is read by the generic reader under that mapping.
    """
    with store.exclusive():
        return _ingest(paths, store, source, workers, progress, mapping)


def _ingest(paths: Iterable[Path], store: Store, source: str | None, workers: int | None,
            progress: ProgressFn | None, mapping: FieldMapping | None) -> IngestReport:
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
    sizes = {path: path.stat().st_size for path in {inp.path for inp, _ in todo}}
    groups = plan_groups(todo, sizes)
    staging = store.staging_dir
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, max(1, len(groups)))
    with store.writing() as con:
        if n_workers <= 1 or len(groups) <= 1:
            for group in groups:
                batch.add(read_group(group, staging, source, mapping), con)
        else:
            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                submitted = {pool.submit(read_group, group, staging, source, mapping): group for group in groups}
                pending: set[Future[list[InputResult]]] = set(submitted)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        batch.add(_outcome(fut, submitted[fut]), con)
        batch.flush(con)
    report.seconds = time.perf_counter() - started
    return report
