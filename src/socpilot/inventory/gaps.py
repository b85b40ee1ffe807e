"""Where the inventory and the telemetry disagree: what an analyst should fix or chase."""

from __future__ import annotations

import ipaddress
from typing import Any

from socpilot.api import Workspace
from socpilot.inventory.discover import discover_assets, discover_identities
from socpilot.inventory.records import load_assets, load_identities
from socpilot.store.query import parse, run_query

_NETWORK_ADDRESSES = parse(
    "SELECT src_ip AS ip, count(*) AS n, min(time) AS first_seen, max(time) AS last_seen FROM events "
    "WHERE source IN ('zeek', 'suricata') AND src_ip IS NOT NULL GROUP BY 1"
)


def _internal(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return address.is_private and not address.is_loopback and not address.is_link_local


def inventory_gaps(ws: Workspace) -> dict[str, Any]:
    """Hosts that send no telemetry, unknown internal hosts on the network, accounts no file owns,
    and imported hosts whose addresses disagree with what their telemetry says."""
    imported = {a.hostname: a for a in load_assets(ws)}
    discovered = {a.hostname: a for a in discover_assets(ws)}
    known_ips = {ip for a in (*imported.values(), *discovered.values()) for ip in a.ips}
    con = ws.connect()
    try:
        network = run_query(con, _NETWORK_ADDRESSES)
    finally:
        con.close()
    identities = {i.user for i in load_identities(ws)}
    alias_owner = {alias.lower(): i.user for i in load_identities(ws) for alias in i.aliases}
    accounts = discover_identities(ws)
    return {
        "silent_hosts": sorted(h for h in imported if h not in discovered),
        "unknown_network_hosts": [
            {"ip": r["ip"], "events": r["n"], "first_seen": r["first_seen"], "last_seen": r["last_seen"]}
            for r in sorted(network, key=lambda r: -r["n"])
            if _internal(str(r["ip"])) and r["ip"] not in known_ips
        ],
        "unowned_accounts": sorted(
            a.user for a in accounts
            if a.user not in identities and a.user not in alias_owner
            and not any(alias.lower() in alias_owner for alias in a.aliases)
        ) if identities else [],
        "address_conflicts": [
            {"host": h, "inventory": imported[h].ips, "telemetry": discovered[h].ips}
            for h in sorted(imported) if h in discovered and imported[h].ips and discovered[h].ips
            and not set(imported[h].ips) & set(discovered[h].ips)
        ],
    }
