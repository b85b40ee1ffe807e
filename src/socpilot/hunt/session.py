"""The hunting session: the store's read-only view plus imported context, locked down.

Once set up, the session cannot touch the file system (no COPY, no reading other
files, no re-enabling) and the only attached database file is read-only, so a
query, whatever it says, can only read.
"""

from __future__ import annotations

import duckdb

from socpilot.api import Workspace
from socpilot.hunt.intel import KINDS, empty_table, intel_path

# context table names as the compiler knows them
TABLES = {"domains": "intel_domains", "assets": "assets", "identities": "identities"}


def open_session(ws: Workspace) -> duckdb.DuckDBPyConnection:
    con = ws.connect()
    con.execute("SET TimeZone = 'UTC'")
    allowed = list(ws.store.part_paths())
    for kind in KINDS:
        path = intel_path(ws.home, kind)
        if path.exists():
            # DDL takes no parameters; the path is ours (the workspace's own file), quoted as a literal
            literal = "'" + str(path).replace("'", "''") + "'"
            con.execute(f"CREATE TEMP VIEW {TABLES[kind]} AS SELECT * FROM read_parquet({literal})")
            allowed.append(str(path))
        else:
            con.register(f"_empty_{kind}", empty_table(kind))
            con.execute(f"CREATE TEMP VIEW {TABLES[kind]} AS SELECT * FROM _empty_{kind}")
    con.execute("SET allowed_paths = ?", [allowed])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
