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
