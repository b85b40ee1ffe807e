"""Run the fundamentals checks over the store and the inventory; render the report.

Each check is a query (a sqlglot tree, values bound) plus a little Python; the titles,
severities and fixes are data in ``checks.yml``. Every finding item cites the events
it rests on, or the inventory record when the weakness is a missing fact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import duckdb
import yaml
from pydantic import BaseModel, Field

from socpilot.api import Workspace
from socpilot.inventory import load_assets, load_identities
from socpilot.inventory.names import normalise_host, normalise_user
from socpilot.posture.secrets import combined_pattern, find_secrets
from socpilot.store.query import parse, run_query

EVIDENCE_PER_ITEM = 10
STALE_AFTER = timedelta(days=30)
KEY_ROTATION = timedelta(days=90)
INTERACTIVE_LOGON_TYPES = (2, 10, 11)
WINDOWS_ADMIN_GROUPS = {"domain admins", "enterprise admins", "schema admins", "administrators", "server operators",
                        "account operators", "backup operators", "print operators", "dnsadmins",
                        "group policy creator owners"}


class FindingItem(BaseModel):
    subject: str  # the account, host, bucket or key concerned
    detail: str
    evidence: list[str] = Field(default_factory=list)  # event ids, or inventory:<table>/<key>
    count: int = 1


class Finding(BaseModel):
    id: str
    title: str
    severity: str
    fix: str
    items: list[FindingItem]


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    return yaml.safe_load(files("socpilot.posture").joinpath("checks.yml").read_text())


Check = Callable[[duckdb.DuckDBPyConnection, "Context"], list[FindingItem]]


class Context:
    def __init__(self, ws: Workspace, con: duckdb.DuckDBPyConnection) -> None:
        self.identities = {i.user: i for i in load_identities(ws)}
        self.assets = {a.hostname: a for a in load_assets(ws)}
        newest = con.execute("SELECT max(time) FROM events").fetchone()
        self.newest = newest[0] if newest else None

    def windows_privileged(self, user: str) -> bool:
        """Privileged on Windows: a member of an administrative group (cloud-only admin rights do not
        make a Windows logon risky); the inventory's flag counts only when it lists no groups."""
        identity = self.identities.get(user)
        if identity is None:
            return False
        if identity.groups:
            return any(g.strip().lower() in WINDOWS_ADMIN_GROUPS for g in identity.groups)
        return bool(identity.privileged)


_SIGNINS_WITHOUT_MFA = parse(
    "SELECT coalesce(user_name, cloud_principal) AS who, source, count(*) AS n, array_agg(id) AS ids, "
    "array_agg(DISTINCT src_country) AS countries FROM events "
    "WHERE class_name = 'authentication' AND auth_mfa = FALSE AND auth_outcome = 'success' "
    "AND source IN ('okta', 'entra', 'cloudtrail') GROUP BY 1, 2"
)


def mfa_signins(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    items = []
    for r in run_query(con, _SIGNINS_WITHOUT_MFA):
        countries = ", ".join(sorted(c for c in r["countries"] if c)) or "unknown"
        items.append(FindingItem(subject=str(r["who"]), count=r["n"], evidence=r["ids"][:EVIDENCE_PER_ITEM],
                                 detail=f"{r['n']} successful {r['source']} sign-in(s) without MFA "
                                        f"(countries: {countries})"))
    return items


def mfa_not_enrolled(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    # MFA enrolment is an identity-provider matter: on-premises-only and service accounts have no IdP login
    return [FindingItem(subject=user, detail="inventory says MFA is not enrolled for this sign-in identity",
                        evidence=[f"inventory:identities/{user}"])
            for user, identity in sorted(ctx.identities.items())
            if identity.mfa_enrolled is False and _has_idp_login(identity)]


def _has_idp_login(identity: Any) -> bool:
    return bool(identity.email) or any("@" in a for a in identity.aliases)


_INTERACTIVE_LOGONS = parse(
    "SELECT coalesce(target_user_name, user_name) AS who, host_name AS host, logon_type, count(*) AS n, "
    "array_agg(id) AS ids FROM events WHERE class_name = 'authentication' AND source = 'windows' "
    "AND auth_outcome = 'success' AND logon_type IN (?, ?, ?) GROUP BY 1, 2, 3"
)


def privileged_interactive(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    items = []
    for r in run_query(con, _INTERACTIVE_LOGONS, list(INTERACTIVE_LOGON_TYPES)):
        user, host = normalise_user(r["who"]), normalise_host(r["host"])
        if not user or not host or not ctx.windows_privileged(user):
            continue
        asset = ctx.assets.get(host)
        role = asset.role if asset and asset.role else "unknown role"
        items.append(FindingItem(subject=user, count=r["n"], evidence=r["ids"][:EVIDENCE_PER_ITEM],
                                 detail=f"privileged account logged on interactively (type {r['logon_type']}) "
                                        f"to {host} ({role}) {r['n']} time(s)"))
    return items


_LAST_SEEN = parse(
    "SELECT coalesce(target_user_name, user_name, cloud_principal) AS who, max(time) AS last_seen, "
    "arg_max(id, time) AS last_id FROM events "
    "WHERE coalesce(target_user_name, user_name, cloud_principal) IS NOT NULL GROUP BY 1"
)


def stale_accounts(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    if ctx.newest is None or not ctx.identities:
        return []
    last: dict[str, tuple[Any, str]] = {}
    for r in run_query(con, _LAST_SEEN):
        user = normalise_user(r["who"])
        if user and (user not in last or r["last_seen"] > last[user][0]):
            last[user] = (r["last_seen"], r["last_id"])
    items = []
    for user, identity in sorted(ctx.identities.items()):
        names = [user, *(normalise_user(a) for a in identity.aliases)]
        seen = max((last[n] for n in names if n in last), default=None, key=lambda t: t[0])
        if seen is None:
            items.append(FindingItem(subject=user, detail="never seen in the stored telemetry",
                                     evidence=[f"inventory:identities/{user}"]))
        elif ctx.newest - seen[0] > STALE_AFTER:
            items.append(FindingItem(subject=user, detail=f"last seen {seen[0]:%Y-%m-%d}", evidence=[seen[1]]))
    return items


_CONCURRENT_HOSTS = parse(
    "SELECT coalesce(target_user_name, user_name) AS who, date_trunc('hour', time) AS hour, "
    "count(DISTINCT host_name) AS hosts, array_agg(id) AS ids FROM events "
    "WHERE class_name = 'authentication' AND source = 'windows' AND auth_outcome = 'success' "
    "AND logon_type IN (?, ?, ?) GROUP BY 1, 2 HAVING count(DISTINCT host_name) >= ?"
)


def shared_accounts(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    worst: dict[str, dict[str, Any]] = {}
    for r in run_query(con, _CONCURRENT_HOSTS, [*INTERACTIVE_LOGON_TYPES, 3]):
        user = normalise_user(r["who"])
        if user and (user not in worst or r["hosts"] > worst[user]["hosts"]):
            worst[user] = r
    return [FindingItem(subject=user, count=r["hosts"], evidence=r["ids"][:EVIDENCE_PER_ITEM],
                        detail=f"interactive logons on {r['hosts']} hosts within the hour of {r['hour']:%Y-%m-%d %H:00}")
            for user, r in sorted(worst.items())]


_ROOT_USE = parse(
    "SELECT cloud_account AS account, count(*) AS n, array_agg(id) AS ids, min(time) AS first, max(time) AS last "
    "FROM events WHERE source = 'cloudtrail' AND (cloud_principal_type = 'Root' "
    "OR fields['userIdentity.type'] = 'Root') GROUP BY 1"
)


def cloud_root_usage(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    return [FindingItem(subject=f"account {r['account']}", count=r["n"], evidence=r["ids"][:EVIDENCE_PER_ITEM],
                        detail=f"{r['n']} API call(s) as root between {r['first']:%Y-%m-%d} and {r['last']:%Y-%m-%d}")
            for r in run_query(con, _ROOT_USE)]


_KEY_FIRST_SEEN = parse(
    "SELECT access_key_id AS key, min(time) AS first, arg_min(id, time) AS first_id, count(*) AS n FROM events "
    "WHERE access_key_id LIKE 'AKIA%' GROUP BY 1"
)


def old_access_keys(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    if ctx.newest is None:
        return []
    return [FindingItem(subject=r["key"][:8] + "…", evidence=[r["first_id"]], count=r["n"],
                        detail=f"long-term key in use since at least {r['first']:%Y-%m-%d}")
            for r in run_query(con, _KEY_FIRST_SEEN) if ctx.newest - r["first"] > KEY_ROTATION]


_PUBLIC_BUCKETS = parse(
    "SELECT cloud_resource AS bucket, cloud_action AS action, cloud_principal AS who, id, time FROM events "
    "WHERE source = 'cloudtrail' AND status_detail IS NULL AND ("
    "(cloud_action IN ('PutBucketAcl', 'PutObjectAcl') AND (contains(raw, 'AllUsers') "
    "OR contains(raw, 'AuthenticatedUsers') OR contains(raw, 'public-read'))) "
    "OR (cloud_action = 'PutBucketPolicy' AND regexp_matches(raw, ?)) "
    "OR (cloud_action = 'DeleteBucketPublicAccessBlock') "
    "OR (cloud_action = 'PutBucketPublicAccessBlock' AND regexp_matches(raw, ?))) ORDER BY time"
)
_PRINCIPAL_ANYONE = r'\\?"Principal\\?"\s*:\s*(\{\s*\\?"AWS\\?"\s*:\s*)?\[?\s*\\?"\*\\?"'
_BLOCK_OFF = r'\\?"(BlockPublicAcls|BlockPublicPolicy|RestrictPublicBuckets|IgnorePublicAcls)\\?"\s*:\s*false'


def public_buckets(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    by_bucket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in run_query(con, _PUBLIC_BUCKETS, [_PRINCIPAL_ANYONE, _BLOCK_OFF]):
        by_bucket[str(r["bucket"])].append(r)
    return [FindingItem(subject=bucket, count=len(rows), evidence=[r["id"] for r in rows][:EVIDENCE_PER_ITEM],
                        detail=f"{rows[0]['action']} by {rows[0]['who']} at {rows[0]['time']:%Y-%m-%d %H:%M} UTC "
                               "opened it to anyone")
            for bucket, rows in sorted(by_bucket.items())]


_LOGGING_OFF = parse(
    "SELECT cloud_action AS action, cloud_resource AS trail, cloud_principal AS who, id, time FROM events "
    "WHERE status_detail IS NULL AND ((source = 'cloudtrail' AND cloud_action IN "
    "('StopLogging', 'DeleteTrail', 'DeleteFlowLogs', 'DeleteDetector', 'StopConfigurationRecorder')) "
    "OR (source IN ('entra', 'azure') AND contains(lower(coalesce(cloud_action, '')), 'diagnosticsettings/delete'))) "
    "ORDER BY time"
)


def logging_disabled(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    return [FindingItem(subject=str(r["trail"] or r["action"]), evidence=[r["id"]],
                        detail=f"{r['action']} by {r['who']} at {r['time']:%Y-%m-%d %H:%M} UTC")
            for r in run_query(con, _LOGGING_OFF)]


_SECRET_CANDIDATES = parse(
    "SELECT id, host_name, coalesce(user_name, cloud_principal) AS who, process_cmd, http_url, "
    "fields['ScriptBlockText'] AS script FROM events "
    "WHERE regexp_matches(coalesce(process_cmd, '') || ' ' || coalesce(http_url, '') || ' ' "
    "|| coalesce(fields['ScriptBlockText'], ''), ?) LIMIT 5000"
)


def secrets_in_telemetry(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    grouped: dict[tuple[str, str], FindingItem] = {}
    for r in run_query(con, _SECRET_CANDIDATES, [combined_pattern()]):
        for where, text in (("command line", r["process_cmd"]), ("URL", r["http_url"]), ("script", r["script"])):
            for hit in find_secrets(text or ""):
                key = (hit.kind, hit.masked)
                item = grouped.get(key)
                if item is None:
                    grouped[key] = FindingItem(subject=hit.masked, evidence=[r["id"]],
                                               detail=f"{hit.kind.replace('_', ' ')} in a {where} on "
                                                      f"{r['host_name'] or 'unknown host'} by {r['who'] or 'unknown'}")
                elif r["id"] not in item.evidence:
                    item.count += 1
                    if len(item.evidence) < EVIDENCE_PER_ITEM:
                        item.evidence.append(r["id"])
    return list(grouped.values())


_WINDOWS_HOSTS = parse(
    "SELECT host_name AS host, count(*) AS n, arg_max(id, time) AS last_id, "
    "count(*) FILTER (WHERE product = 'sysmon') AS sysmon, "
    "count(*) FILTER (WHERE class_name = 'process') AS process FROM events "
    "WHERE source = 'windows' AND host_name IS NOT NULL GROUP BY 1"
)


def _windows_hosts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return run_query(con, _WINDOWS_HOSTS)


def hosts_without_sysmon(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    return [FindingItem(subject=str(r["host"]), evidence=[r["last_id"]], count=r["n"],
                        detail=f"{r['n']:,} Windows events and no Sysmon event")
            for r in _windows_hosts(con) if r["sysmon"] == 0]


def hosts_without_process_auditing(con: duckdb.DuckDBPyConnection, ctx: Context) -> list[FindingItem]:
    return [FindingItem(subject=str(r["host"]), evidence=[r["last_id"]], count=r["n"],
                        detail=f"{r['n']:,} Windows events and no process-creation event (Sysmon 1 or 4688)")
            for r in _windows_hosts(con) if r["process"] == 0]


CHECKS: dict[str, Check] = {
    "mfa_signins": mfa_signins,
    "mfa_not_enrolled": mfa_not_enrolled,
    "privileged_interactive": privileged_interactive,
    "stale_accounts": stale_accounts,
    "shared_accounts": shared_accounts,
    "cloud_root_usage": cloud_root_usage,
    "old_access_keys": old_access_keys,
    "public_buckets": public_buckets,
    "logging_disabled": logging_disabled,
    "secrets_in_telemetry": secrets_in_telemetry,
    "hosts_without_sysmon": hosts_without_sysmon,
    "hosts_without_process_auditing": hosts_without_process_auditing,
}


def posture_report(ws: Workspace) -> list[Finding]:
    """Every check, in the order of checks.yml; checks with nothing to report are left out."""
    con = ws.connect()
    try:
        ctx = Context(ws, con)
        findings = []
        for check_id, text in _texts().items():
            items = CHECKS[check_id](con, ctx)
            if items:
                findings.append(Finding(id=check_id, items=items, **text))
    finally:
        con.close()
    return findings


def render_markdown(findings: list[Finding]) -> str:
    lines = ["# Security fundamentals", ""]
    if not findings:
        lines.append("No weakness found in the stored telemetry and inventory.")
    for f in findings:
        lines += [f"## {f.title} ({f.severity}, {len(f.items)})", "", f"Fix: {f.fix}", ""]
        for item in f.items:
            cites = ", ".join(f"`{e}`" for e in item.evidence)
            lines.append(f"- **{_md(item.subject)}**: {_md(item.detail)} [{cites}]")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Log values are hostile: keep them from becoming Markdown or HTML."""
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in text)
