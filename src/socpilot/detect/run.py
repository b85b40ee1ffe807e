"""``detect``: load and compile rules, scan new store parts, turn matches into stored alerts.

Incremental by default: the catalog remembers which parts each rule set (identified
by a fingerprint of its compiled rules) has scanned, so a re-run reads only parts
ingested since. Matches of rules that feed correlations or socpilot aggregations
are kept in the catalog (``detect_matches``), because a correlation window can span
parts ingested on different runs.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import orjson
import pyarrow as pa
from sqlglot import exp

from socpilot.detect import alerts as alert_store
from socpilot.detect import correlation, extensions
from socpilot.detect.attack import AttackTags
from socpilot.detect.compiler import Compiled, RuleMeta, compile_all
from socpilot.detect.engine import parquet_relation, scan
from socpilot.detect.loader import load
from socpilot.detect.logsources import Target
from socpilot.detect.matches import Match
from socpilot.detect.sensors import sensor_alerts
from socpilot.model.alert import Alert
from socpilot.store.query import insert_arrow

if TYPE_CHECKING:  # only a type here; importing it first would close an import cycle in store/ingest
    from socpilot.store.store import Store

_STATE_DDL = """
CREATE TABLE IF NOT EXISTS detect_scans (ruleset VARCHAR, part VARCHAR, scanned_at TIMESTAMPTZ,
    PRIMARY KEY (ruleset, part));
CREATE TABLE IF NOT EXISTS detect_matches (rule_id VARCHAR, event_id VARCHAR, time TIMESTAMPTZ,
    entities JSON, "values" JSON, PRIMARY KEY (rule_id, event_id));
"""


@dataclass
class DetectReport:
    rules: int = 0
    correlations: int = 0
    unsupported: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    parts_scanned: int = 0
    rows_scanned: int = 0
    matches: int = 0
    skipped: int = 0  # rule evaluations saved by the literal pre-check (engine.required_literals)
    alerts: int = 0
    seconds_compile: float = 0.0
    seconds_scan: float = 0.0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def compile_rules(rule_paths: Iterable[Path], include_builtin: bool = True,
                  placeholders: Mapping[str, list[str]] | None = None) -> Compiled:
    loaded = load(rule_paths, include_builtin=include_builtin)
    return compile_all(loaded.files, loaded.unresolved, placeholders)


def fingerprint(compiled: Compiled) -> str:
    """Names a rule set: its rule files' texts and where each rule reads (the logsource mapping)."""
    h = hashlib.blake2b(digest_size=12)
    for rule in sorted(compiled.rules, key=lambda r: r.key):
        h.update(f"{rule.key}\0{rule.meta.digest}\0{rule.target!r}\0".encode())
    for meta, _ in sorted(compiled.correlations, key=lambda c: c[0].id):
        h.update(f"{meta.id}\0{meta.digest}\0".encode())
    return h.hexdigest()


def detect(store: Store, rule_paths: Iterable[Path] = (), include_builtin: bool = True,
           since: datetime | None = None, rescan: bool = False,
           placeholders: Mapping[str, list[str]] | None = None,
           compiled: Compiled | None = None) -> DetectReport:
    """Run the rules over the store's parts not yet scanned by this rule set (all parts if ``rescan``)."""
    started = time.perf_counter()
    report = DetectReport()
    compiled = compiled or compile_rules(rule_paths, include_builtin, placeholders)
    report.seconds_compile = time.perf_counter() - started
    report.rules = len({r.meta.id for r in compiled.rules})
    report.correlations = len(compiled.correlations)
    report.unsupported = len(compiled.unsupported)
    ruleset = fingerprint(compiled)
    with store.catalog() as cat:
        cat.execute(_STATE_DDL)
        alert_store.ensure_tables(cat)
        parts = [row[0] for row in cat.execute("SELECT path FROM parts ORDER BY path").fetchall()]
        done = {row[0] for row in cat.execute("SELECT part FROM detect_scans WHERE ruleset = ?", [ruleset]).fetchall()}
    todo = parts if rescan or since is not None else [p for p in parts if p not in done]
    report.parts_scanned = len(todo)
    if not todo:
        report.seconds = time.perf_counter() - started
        return report
    relation = parquet_relation([str(store.events_dir / p) for p in todo])
    aggregated = _aggregated_rules(compiled)
    value_fields = {r.key: {r.target.field_key(f) for f in aggregated[r.meta.id]}
                    for r in compiled.rules if r.meta.id in aggregated}
    con = duckdb.connect()
    scan_started = time.perf_counter()
    result = scan(con, relation, compiled.rules, since=since, value_fields=value_fields)
    sensors = sensor_alerts(con, relation, since)
    con.close()
    report.seconds_scan = time.perf_counter() - scan_started
    report.rows_scanned, report.matches, report.failed = result.rows_scanned, len(result.matches), result.failed
    report.skipped = result.skipped
    by_key = {r.key: r for r in compiled.rules}
    tags = AttackTags()
    new_alerts: list[Alert] = list(sensors)
    plain: dict[str, list[Match]] = defaultdict(list)
    kept: list[tuple[str, Match]] = []
    for m in result.matches:
        meta = by_key[m.rule_key].meta
        if meta.id in aggregated:
            kept.append((meta.id, m))
        if meta.generate and meta.extension is None:
            plain[m.rule_key].append(m)
    for key, matches in plain.items():
        meta = by_key[key].meta
        techniques, tactics = tags.of(meta)
        new_alerts += alert_store.rule_alerts(meta, matches, techniques, tactics)
    now = datetime.now(UTC)
    with store.catalog() as cat:
        _keep_matches(cat, kept)
        stored = _stored_matches(cat, list(aggregated))
        new_alerts += _aggregate_alerts(compiled, stored, tags)
        cat.execute("BEGIN")
        if rescan and compiled.rules:
            # A full rescan recomputes these rules' alerts: what a new filter removes must go.
            rule_ids = sorted({r.meta.id for r in compiled.rules} | {m.id for m, _ in compiled.correlations})
            cat.execute(exp.delete("alerts").where(exp.column("rule_id").isin(
                *[exp.Placeholder() for _ in rule_ids])).sql("duckdb"), rule_ids)
        report.alerts = alert_store.save(cat, new_alerts, now)
        if since is None and todo:
            cat.executemany("INSERT OR REPLACE INTO detect_scans VALUES (?, ?, ?)", [(ruleset, p, now) for p in todo])
        cat.execute("COMMIT")
    report.seconds = time.perf_counter() - started
    return report


def _aggregated_rules(compiled: Compiled) -> dict[str, list[str]]:
    """Base rule id -> Sigma fields its matches must carry (for correlations and extensions)."""
    needed: dict[str, list[str]] = {}
    for _, rule in compiled.correlations:
        try:
            for base in correlation.referenced_ids(rule):
                needed.setdefault(base, []).extend(correlation.fields_used(rule))
        except correlation.UnsupportedCorrelation:
            continue
    for r in compiled.rules:
        if r.meta.extension is not None:
            needed.setdefault(r.meta.id, []).extend(extensions.fields_used(r.meta.extension))
    return needed


def _keep_matches(cat: duckdb.DuckDBPyConnection, kept: list[tuple[str, Match]]) -> None:
    if not kept:
        return
    # One Arrow batch: executemany pays a round trip per row (~20 ms here), minutes at 100k matches.
    insert_arrow(cat, pa.table({
        "rule_id": [rid for rid, _ in kept], "event_id": [m.event_id for _, m in kept],
        "time": pa.array([m.time for _, m in kept], pa.timestamp("us", tz="UTC")),
        "entities": [orjson.dumps(m.entities).decode() for _, m in kept],
        "values": [orjson.dumps(m.values).decode() for _, m in kept],
    }), "detect_matches")


def _stored_matches(cat: duckdb.DuckDBPyConnection, rule_ids: list[str]) -> dict[str, list[Match]]:
    if not rule_ids:
        return {}
    query = exp.select("rule_id", "event_id", "time", "entities", exp.column("values", quoted=True)).from_(
        "detect_matches").where(exp.In(this=exp.column("rule_id"), expressions=[exp.Placeholder() for _ in rule_ids]))
    out: dict[str, list[Match]] = defaultdict(list)
    for rid, eid, ts, entities, values in cat.execute(query.sql("duckdb"), rule_ids).fetchall():
        out[rid].append(Match(rid, eid, ts, orjson.loads(entities), orjson.loads(values)))
    return out


def _aggregate_alerts(compiled: Compiled, stored: dict[str, list[Match]], tags: AttackTags) -> list[Alert]:
    first_target: dict[str, Target] = {}
    for r in compiled.rules:
        first_target.setdefault(r.meta.id, r.target)

    def field_key(base: str, name: str) -> str:
        target = first_target.get(base)
        return target.field_key(name) if target else name

    found: list[Alert] = []
    for meta, rule in compiled.correlations:
        try:
            hits = correlation.evaluate(rule, stored, field_key)
        except correlation.UnsupportedCorrelation:
            continue  # listed by rules check; a run does not stop for it
        found += _hit_alerts(meta, hits, tags)
    for r in compiled.rules:
        if r.meta.extension is not None and r.meta.id in stored and r.key.endswith("#0"):
            hits = extensions.evaluate(r.meta.extension, stored[r.meta.id], partial(field_key, r.meta.id))
            found += _hit_alerts(r.meta, hits, tags)
    return found


def _hit_alerts(meta: RuleMeta, hits: list[correlation.Hit], tags: AttackTags) -> list[Alert]:
    techniques, tactics = tags.of(meta)
    return [alert_store.make_alert(meta, hit.matches, group_key=hit.group_key, techniques=techniques,
                                   tactics=tactics) for hit in hits]
