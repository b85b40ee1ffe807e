"""The hunting session: the store's read-only view plus imported context, locked down.

Once set up, the session cannot touch the file system (no COPY, no reading other
files, no re-enabling) and the only database file is opened read-only, so a query,
whatever it says, can only read.
"""

from __future__ import annotations

import duckdb

from socpilot.api import Workspace
from socpilot.hunt.intel import empty_table, intel_path

# Context views the compiler joins against, one row per name an entity may carry:
# an asset by its host name or any of its IPs, an identity by account, e-mail or alias.
_ASSETS = """CREATE TEMP VIEW hunt_assets AS
SELECT lower(hostname) AS name, criticality, owner, role, os, business_service FROM assets
UNION ALL
SELECT lower(ip) AS name, criticality, owner, role, os, business_service
FROM (SELECT unnest(ips) AS ip, criticality, owner, role, os, business_service FROM assets)"""
_IDENTITIES = """CREATE TEMP VIEW hunt_identities AS
WITH base AS (SELECT user, email, aliases, privileged, mfa_enrolled, department,
                     lower(array_to_string(groups, ';')) AS groups FROM identities)
SELECT lower(user) AS name, privileged, mfa_enrolled, department, groups FROM base
UNION ALL SELECT lower(email), privileged, mfa_enrolled, department, groups FROM base WHERE email IS NOT NULL
UNION ALL SELECT lower(alias), privileged, mfa_enrolled, department, groups
FROM (SELECT unnest(aliases) AS alias, privileged, mfa_enrolled, department, groups FROM base)"""
_HOST_IPS = """CREATE TEMP VIEW hunt_host_ips AS
SELECT lower(hostname) AS name, ip FROM (SELECT hostname, unnest(ips) AS ip FROM assets)"""
_EMPTY_HOST_IPS = """CREATE TEMP VIEW hunt_host_ips AS
SELECT CAST(NULL AS VARCHAR) AS name, CAST(NULL AS VARCHAR) AS ip WHERE false"""
_EMPTY_ASSETS = """CREATE TEMP VIEW hunt_assets AS SELECT CAST(NULL AS VARCHAR) AS name,
CAST(NULL AS VARCHAR) AS criticality, CAST(NULL AS VARCHAR) AS owner, CAST(NULL AS VARCHAR) AS role,
CAST(NULL AS VARCHAR) AS os, CAST(NULL AS VARCHAR) AS business_service WHERE false"""
_EMPTY_IDENTITIES = """CREATE TEMP VIEW hunt_identities AS SELECT CAST(NULL AS VARCHAR) AS name,
CAST(NULL AS BOOLEAN) AS privileged, CAST(NULL AS BOOLEAN) AS mfa_enrolled,
CAST(NULL AS VARCHAR) AS department, CAST(NULL AS VARCHAR) AS groups WHERE false"""


def open_session(ws: Workspace) -> duckdb.DuckDBPyConnection:
    # An instance of its own: the settings and the lock below must not reach (or fail on) other
    # connections to the catalog in this process, such as a second hunt served at the same time.
    con = ws.store.connect(isolated=True)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET parquet_metadata_cache = true")  # a session asks many questions of the same parts
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    con.execute(_ASSETS if "assets" in tables else _EMPTY_ASSETS)
    con.execute(_HOST_IPS if "assets" in tables else _EMPTY_HOST_IPS)
    con.execute(_IDENTITIES if "identities" in tables else _EMPTY_IDENTITIES)
    allowed = list(ws.store.part_paths())
    path = intel_path(ws.home, "domains")
    if path.exists():
        # DDL takes no parameters; the path is ours (the workspace's own file), quoted as a literal
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(f"CREATE TEMP VIEW intel_domains AS SELECT * FROM read_parquet({literal})")
        allowed.append(str(path))
    else:
        con.register("_empty_domains", empty_table("domains"))
        con.execute("CREATE TEMP VIEW intel_domains AS SELECT * FROM _empty_domains")
    con.execute("SET allowed_paths = ?", [allowed])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
