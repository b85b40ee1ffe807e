"""Run sqlglot expression trees with bound parameters: the one way socpilot queries data."""

from __future__ import annotations

from typing import Any

import duckdb
import sqlglot
from sqlglot import exp


def to_sql(tree: exp.Expr, dialect: str = "duckdb") -> str:
    return tree.sql(dialect=dialect)


def run_query(con: duckdb.DuckDBPyConnection, tree: exp.Expr,
              params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Execute a tree on DuckDB; ``params`` bind to its ``?`` placeholders in order."""
    cursor = con.execute(to_sql(tree), params or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def parse(sql: str) -> exp.Expr:
    """Parse our own SQL text (constants in code, never user input) into a tree."""
    return sqlglot.parse_one(sql, dialect="duckdb")


_TABLE_EXISTS = parse("SELECT table_name FROM information_schema.tables WHERE table_name = ?")


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a catalog table exists: readers open the catalog read-only and cannot create it."""
    return bool(run_query(con, _TABLE_EXISTS, [name]))


def insert_arrow(con: duckdb.DuckDBPyConnection, table: Any, target: str, replace: bool = True) -> None:
    """Insert an Arrow table in one statement (executemany pays a round trip per row)."""
    name = f"socpilot_batch_{target}"
    con.register(name, table)
    try:
        insert = exp.insert(exp.select(exp.Star()).from_(name), target)
        if replace:
            insert.set("alternative", "REPLACE")
        con.execute(insert.sql("duckdb"))
    finally:
        con.unregister(name)
