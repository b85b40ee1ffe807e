"""Ask a question of a workspace: parse, interpret, compile, run on a read-only session.

This is the one entry point the CLI, the web console and the copilot share; it does
the I/O (names from the store, the data's time coverage) around the pure stages.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import duckdb
import orjson
from pydantic import BaseModel
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.hunt.compile import compile_hunt
from socpilot.hunt.intel import available
from socpilot.hunt.interpret import interpret
from socpilot.hunt.parse.known import Known
from socpilot.hunt.parse.parser import Clarification, parse_question
from socpilot.hunt.query import HuntQuery
from socpilot.hunt.session import open_session
from socpilot.store.query import run_query

KNOWN_LIMIT = 50_000  # names kept per column for fuzzy matching


class Answer(BaseModel):
    """What a question gets back: interpretation first, then the query, the SQL and the rows."""

    question: str
    interpretation: str
    query: HuntQuery | None = None
    sql: str | None = None
    params: list[Any] = []
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    unparsed: list[str] = []
    clarification: Clarification | None = None


def known_names(con: duckdb.DuckDBPyConnection) -> Known:
    """Host, user and domain names present in the store, in one scan."""
    columns = ("host_name", "user_name", "cloud_principal", "dns_query", "tls_sni", "http_host")
    tree = exp.select(*[exp.alias_(exp.ArrayAgg(this=exp.Distinct(expressions=[exp.column(c)])), c)
                        for c in columns]).from_("events")
    row = run_query(con, tree)[0]
    names = {c: frozenset(str(v) for v in (row[c] or [])[:KNOWN_LIMIT] if v is not None) for c in columns}
    return Known(hosts=names["host_name"], users=names["user_name"] | names["cloud_principal"],
                 domains=names["dns_query"] | names["tls_sni"] | names["http_host"])


def stored_names(ws: Workspace, con: duckdb.DuckDBPyConnection) -> Known:
    """``known_names``, kept in the workspace until new data is ingested (reading them scans the store)."""
    parts = hashlib.blake2b("\n".join(ws.store.part_paths()).encode(), digest_size=16).hexdigest()
    path = ws.home / "hunt" / "known-names.json"
    try:
        doc = orjson.loads(path.read_bytes())
        if doc["parts"] == parts:
            return Known(**{k: frozenset(doc[k]) for k in ("hosts", "users", "domains")})
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent or unreadable: read the names again
    known = known_names(con)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps({"parts": parts, "hosts": sorted(known.hosts), "users": sorted(known.users),
                                  "domains": sorted(known.domains)}))
    tmp.replace(path)
    return known


def coverage(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """The first and last event time in the store."""
    tree = exp.select(exp.alias_(exp.Min(this=exp.column("time")), "first"),
                      exp.alias_(exp.Max(this=exp.column("time")), "last")).from_("events")
    row = run_query(con, tree)[0]
    return row["first"], row["last"]


def ask(ws: Workspace, question: str, now: datetime | None = None,
        con: duckdb.DuckDBPyConnection | None = None, known: Known | None = None) -> Answer:
    """Answer one plain-English question over the workspace's store.

    ``con`` (from ``open_session``) and ``known`` (from ``known_names``) may be reused
    across questions by callers that ask many; otherwise the session is opened here and
    the names come from the workspace's copy, refreshed when new data has been ingested.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    session = con or open_session(ws)
    try:
        names = known if known is not None else stored_names(ws, session)
        parsed = parse_question(question, names, registrations="domains" in available(ws.home))
        if parsed.query is None:
            return Answer(question=question, notes=parsed.notes, unparsed=parsed.unparsed,
                          clarification=parsed.clarification,
                          interpretation=("I need one detail before searching." if parsed.clarification
                                          else "I could not turn this question into a search."))
        return run(session, question, parsed.query, now, parsed.notes, parsed.unparsed)
    finally:
        if con is None:
            session.close()


def run(con: duckdb.DuckDBPyConnection, question: str, query: HuntQuery, now: datetime,
        notes: list[str] | None = None, unparsed: list[str] | None = None) -> Answer:
    """Compile and execute a HuntQuery (from the parser, a curated hunt or an LLM)."""
    compiled = compile_hunt(query, now)
    sql, params = compiled.sql(), compiled.params()
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description or []]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    notes = list(notes or [])
    empty = not rows or (query.returns == "count" and rows[0].get("events") == 0)
    if empty and query.time.kind != "all":
        first, last = coverage(con)
        if first is None or last is None:
            notes.append("the store holds no events yet")
        else:
            notes.append(f"nothing matched in this time range; the stored data covers "
                         f"{first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M} UTC")
    return Answer(question=question, interpretation=interpret(query, now), query=query, sql=sql,
                  params=params, columns=columns, rows=rows, notes=notes, unparsed=list(unparsed or []))
