"""Evaluate many compiled rules with one scan of the events.

Rules are grouped by their scan filter (the logsource). One pass over the store
materialises a temporary table of the events some group wants, holding only the
values the rules read: a source field is extracted (and lower-cased) once, and only
for rows of the groups that read it, because decoding the ``fields`` map is what
costs. Each group then evaluates its rules over that table in chunks of one SELECT:
one boolean column per rule, rows kept where any rule matched. On small groups a
rule reaches DuckDB only if the literals it cannot match without occur somewhere in
the group's values (``required_literals``): planning costs more than matching there.
A rule that fails at run time (e.g. a regular expression DuckDB rejects) is found by
evaluating its chunk rule by rule, and reported; the other rules still run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
from sqlglot import exp

from socpilot.detect.compiler import CompiledRule, store_expression, where_expression, where_symbols
from socpilot.detect.logsources import Where
from socpilot.detect.matches import Match

CHUNK = 120  # rules per SELECT: long enough to amortise the pass, short enough for the planner
PRECHECK_ROWS = 20_000  # above this, evaluating a rule costs more than planning it: no literal pre-check
# Normalized columns copied into every group table: they name an alert's entities.
ENTITY_COLUMNS = (
    "host_name", "user_name", "target_user_name", "src_ip", "dst_ip", "process_guid", "process_path",
    "process_sha256", "process_md5", "dns_query", "http_host", "tls_sni", "cloud_principal",
    "access_key_id", "src_country", "file_path",
)


@dataclass
class ScanResult:
    matches: list[Match] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # rule key -> run-time error
    groups: int = 0
    rows_scanned: int = 0
    skipped: int = 0  # rules not evaluated: a literal they require occurs nowhere in their events


def parquet_relation(paths: Sequence[str]) -> exp.Expr:
    """The events of some store parts (paths come from the catalog, quoted by sqlglot)."""
    files = exp.Array(expressions=[exp.Literal.string(p) for p in paths])
    return exp.Table(this=exp.Anonymous(this="read_parquet", expressions=[files]))


TABLE = "socpilot_scan"
GROUP_TABLE = "socpilot_scan_group"


def scan(con: duckdb.DuckDBPyConnection, relation: exp.Expr, rules: Iterable[CompiledRule],
         since: datetime | None = None, value_fields: dict[str, set[str]] | None = None) -> ScanResult:
    """Run ``rules`` over ``relation``; ``value_fields`` (rule key -> source fields) are returned per match."""
    result = ScanResult()
    groups: dict[Where, list[CompiledRule]] = defaultdict(list)
    for rule in rules:
        groups[rule.target.where].append(rule)
    if not groups:
        return result
    extras = {where: set().union(*((value_fields or {}).get(r.key, set()) for r in members))
              for where, members in groups.items()}
    result.rows_scanned = _materialise(con, relation, groups, extras, since)
    result.groups = len(groups)
    if result.rows_scanned:
        for where, members in sorted(groups.items(), key=lambda kv: str(kv[0])):
            # The group's own rows first: otherwise DuckDB may run every rule over the whole table.
            symbols = set().union(*(r.columns for r in members), {"f:" + f for f in extras[where]})
            rows = _group_table(con, where, symbols)
            if rows:
                feasible = members
                if rows <= PRECHECK_ROWS:
                    # Planning a rule costs more than running it on a small table: only rules whose
                    # required literals occur in the group's values reach DuckDB.
                    clauses = {r.key: required_literals(r.condition) for r in members}
                    texts = _column_texts(con, {c for cs in clauses.values() for cl in cs for c, _ in cl})
                    feasible = [r for r in members if _feasible(clauses[r.key], texts)]
                result.skipped += len(members) - len(feasible)
                for start in range(0, len(feasible), CHUNK):
                    _evaluate(con, feasible[start:start + CHUNK], extras[where], result)
    for table in (TABLE, GROUP_TABLE):
        con.execute(exp.Drop(tables=[exp.to_table(table)], kind="TABLE", exists=True).sql("duckdb"))
    return result


def _column_texts(con: duckdb.DuckDBPyConnection, symbols: set[str]) -> dict[str, str]:
    """Each column's distinct values joined into one text, to test literals against."""
    ordered = sorted(symbols)
    if not ordered:
        return {}
    separator = exp.Literal.string("\n")  # any separator keeps the test sound
    aggregates = [exp.GroupConcat(this=exp.Distinct(expressions=[exp.column(s, quoted=True)]), separator=separator)
                  for s in ordered]
    row = con.execute(exp.select(*aggregates).from_(GROUP_TABLE).sql("duckdb")).fetchone() or ()
    return {s: text or "" for s, text in zip(ordered, row, strict=True)}


def required_literals(node: exp.Expr) -> list[list[tuple[str, str]]]:
    """Clauses a row must satisfy for the condition to hold: each lists (column, literal) alternatives.

    Sound, not complete: a condition part that needs no literal (regex, NOT, numbers)
    contributes no clause, so only rules that certainly cannot match are pruned.
    """
    if isinstance(node, exp.Paren):
        return required_literals(node.this)
    if isinstance(node, exp.And):  # flatten(): long chains are deep trees
        return [clause for part in node.flatten() for clause in required_literals(part)]
    if isinstance(node, exp.Or):
        alternatives: list[tuple[str, str]] = []
        for part in node.flatten():
            needed = required_literals(part)
            if not needed:
                return []
            alternatives += needed[0]
        return [alternatives]
    if isinstance(node, exp.Contains | exp.StartsWith | exp.EndsWith | exp.EQ):
        column, literal = node.this, node.expression
        if isinstance(column, exp.Column) and isinstance(literal, exp.Literal) and literal.is_string and literal.this:
            return [[(column.name, literal.this)]]
    return []


def _feasible(clauses: list[list[tuple[str, str]]], texts: dict[str, str]) -> bool:
    return all(any(literal in texts.get(column, "") for column, literal in clause) for clause in clauses)


def _group_table(con: duckdb.DuckDBPyConnection, where: Where, symbols: set[str]) -> int:
    """The group's rows, with only the columns its rules read."""
    columns = [exp.column(c) for c in ("id", "time", *ENTITY_COLUMNS)]
    columns += [exp.column(s, quoted=True) for s in sorted(symbols)]
    select = exp.select(*columns).from_(TABLE)
    in_group = where_expression(where, symbolic=True)
    if in_group is not None:
        select = select.where(in_group)
    create = exp.Create(this=exp.to_table(GROUP_TABLE), kind="TABLE", expression=select, replace=True,
                        properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
    con.execute(create.sql("duckdb"))
    count = con.execute(exp.select(exp.Count(this=exp.Star())).from_(GROUP_TABLE).sql("duckdb")).fetchone()
    return int(count[0]) if count else 0


def _materialise(con: duckdb.DuckDBPyConnection, relation: exp.Expr,
                 groups: dict[Where, list[CompiledRule]], extras: dict[Where, set[str]],
                 since: datetime | None) -> int:
    readers: dict[str, list[Where]] = defaultdict(list)  # symbolic column -> groups that read it
    selectors = {c for where in groups for c, _ in where if not c.startswith("fields.")}
    for where, members in groups.items():
        for symbol in set().union(*(r.columns for r in members), {"f:" + f for f in extras[where]},
                                  where_symbols(where)):
            readers[symbol].append(where)
    projections: list[exp.Expr] = [exp.column(c) for c in ("id", "time", *ENTITY_COLUMNS)]
    projections += [exp.column(c) for c in sorted(selectors - {"id", "time", *ENTITY_COLUMNS})]
    for symbol, wheres in sorted(readers.items()):
        value = store_expression(symbol)
        if len(wheres) < len(groups):  # extract only for rows some reader wants
            value = exp.Case(ifs=[exp.If(this=_any_of(wheres), true=value)])
        projections.append(exp.alias_(value, symbol, quoted=True))
    select = exp.select(*projections, copy=False).from_(relation.copy(), copy=False).where(
        _any_of(list(groups)), copy=False)
    params: list[Any] = []
    if since is not None:
        select = select.where(exp.GTE(this=exp.column("time"), expression=exp.Placeholder()))
        params.append(since)
    create = exp.Create(this=exp.to_table(TABLE), kind="TABLE", expression=select,
                        properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
    con.execute(exp.Drop(tables=[exp.to_table(TABLE)], kind="TABLE", exists=True).sql("duckdb"))
    con.execute(create.sql("duckdb"), params)
    count = con.execute(exp.select(exp.Count(this=exp.Star())).from_(TABLE).sql("duckdb")).fetchone()
    return int(count[0]) if count else 0


def _any_of(wheres: list[Where]) -> exp.Expr:
    conditions = [where_expression(w) for w in wheres]
    if any(c is None for c in conditions):
        return exp.true()
    return exp.or_(*(exp.Paren(this=c) for c in conditions if c is not None), copy=False)


def _evaluate(con: duckdb.DuckDBPyConnection, chunk: list[CompiledRule], extra: set[str],
              result: ScanResult) -> None:
    try:
        rows, names = _select(con, chunk, extra)
    except duckdb.Error as exc:
        if len(chunk) == 1:
            result.failed[chunk[0].key] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return
        for rule in chunk:  # find the rule that breaks the chunk; the others still run
            _evaluate(con, [rule], extra, result)
        return
    fixed = 2 + len(ENTITY_COLUMNS)
    value_names = names[fixed:fixed + len(extra)]
    for row in rows:
        entities = {c: str(v) for c, v in zip(ENTITY_COLUMNS, row[2:fixed], strict=True) if v not in (None, "")}
        values = {n[2:]: str(v) for n, v in zip(value_names, row[fixed:fixed + len(extra)], strict=True)
                  if v is not None}
        for rule, hit in zip(chunk, row[fixed + len(extra):], strict=True):
            if hit:
                result.matches.append(Match(rule.key, row[0], row[1], entities, values))


def _select(con: duckdb.DuckDBPyConnection, chunk: list[CompiledRule],
            extra: set[str]) -> tuple[list[tuple[Any, ...]], list[str]]:
    projections: list[exp.Expr] = [exp.column(c) for c in ("id", "time", *ENTITY_COLUMNS)]
    projections += [exp.column("f:" + f, quoted=True) for f in sorted(extra)]
    projections += [exp.alias_(r.condition, f"r{i}", quoted=True, copy=False) for i, r in enumerate(chunk)]
    # copy=False throughout: the trees are only read, and copying them costs more than rendering.
    flags = exp.select(*projections, copy=False).from_(GROUP_TABLE, copy=False).subquery("m", copy=False)
    any_match = exp.or_(*(exp.column(f"r{i}", quoted=True) for i in range(len(chunk))), copy=False)
    select = exp.select(exp.Star(), copy=False).from_(flags, copy=False).where(any_match, copy=False)
    cursor = con.execute(select.sql("duckdb", copy=False))
    names = [d[0] for d in cursor.description or []]
    return cursor.fetchall(), names
