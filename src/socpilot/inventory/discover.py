"""Assets and identities learned from telemetry, for environments with no inventory file.

A Windows host's addresses come from its own events: the reporting IP when the
source gives one, and the local side of the connections it makes (Sysmon 3 and
filtering-platform events record the host's own address as the source); and from
logons on other hosts that name it as their workstation (a host without Sysmon).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from socpilot.api import Workspace
from socpilot.inventory.model import Asset, Identity
from socpilot.inventory.names import normalise_host, normalise_user
from socpilot.store.query import parse, run_query

_HOST_ADDRESSES = parse(
    "SELECT host_name AS host, host_ip AS ip, count(*) AS n FROM events "
    "WHERE host_name IS NOT NULL AND host_ip IS NOT NULL GROUP BY 1, 2 "
    "UNION ALL "
    "SELECT host_name AS host, src_ip AS ip, count(*) AS n FROM events "
    "WHERE source = 'windows' AND class_name = 'network' AND host_name IS NOT NULL AND src_ip IS NOT NULL "
    "AND (direction IS NULL OR direction <> 'inbound') GROUP BY 1, 2 "
    "UNION ALL "
    # a network logon elsewhere names the workstation it came from and that workstation's address
    "SELECT fields['WorkstationName'] AS host, src_ip AS ip, count(*) AS n FROM events "
    "WHERE source = 'windows' AND class_name = 'authentication' AND fields['WorkstationName'] IS NOT NULL "
    "AND src_ip IS NOT NULL GROUP BY 1, 2"
)
_HOSTS = parse("SELECT DISTINCT host_name AS host FROM events WHERE host_name IS NOT NULL")
_ACCOUNTS = parse(
    "SELECT user_name AS name, source, count(*) AS n FROM events WHERE user_name IS NOT NULL GROUP BY 1, 2 "
    "UNION ALL SELECT target_user_name AS name, source, count(*) AS n FROM events "
    "WHERE target_user_name IS NOT NULL AND class_name = 'authentication' GROUP BY 1, 2 "
    "UNION ALL SELECT cloud_principal AS name, source, count(*) AS n FROM events "
    "WHERE cloud_principal IS NOT NULL GROUP BY 1, 2"
)
_NOT_HOST_ADDRESSES = ("127.", "0.", "::1", "169.254.", "fe80:", "224.", "255.")


def discover_assets(ws: Workspace) -> list[Asset]:
    con = ws.connect()
    try:
        hosts = [r["host"] for r in run_query(con, _HOSTS)]
        addresses = run_query(con, _HOST_ADDRESSES)
    finally:
        con.close()
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for host in hosts:
        name = normalise_host(host)
        if name:
            seen.setdefault(name, Counter())  # a host with no address is still an asset
    for row in addresses:
        name = normalise_host(row["host"])
        ip = str(row["ip"])
        if name and not ip.startswith(_NOT_HOST_ADDRESSES):
            seen[name][ip] += int(row["n"])
    return [Asset(hostname=name, ips=[ip for ip, _ in ips.most_common(4)], origin="discovered")
            for name, ips in sorted(seen.items())]


def discover_identities(ws: Workspace) -> list[Identity]:
    con = ws.connect()
    try:
        rows = run_query(con, _ACCOUNTS)
    finally:
        con.close()
    aliases: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        user = normalise_user(row["name"])
        if user:
            aliases[user].add(str(row["name"]))
    return [Identity(user=user, aliases=sorted(names - {user}), origin="discovered")
            for user, names in sorted(aliases.items())]
