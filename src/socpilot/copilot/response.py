"""Response options for an incident, and the human decision on each.

socpilot proposes; people decide. An option becomes a proposed action stored in the
catalog; only an analyst's approve/reject (with a reason) changes it, and socpilot
never carries an action out. Nothing in log data can reach this: options come from
the incident's entities and templates kept as data, never from text in the events.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field
from sqlglot import exp

from socpilot.api import Workspace
from socpilot.inventory import load_assets, load_identities
from socpilot.inventory.names import normalise_host, normalise_user
from socpilot.model.alert import LEVEL_RANK, Alert
from socpilot.store.query import parse, run_query, table_exists

Status = Literal["proposed", "approved", "rejected"]

MAX_HOSTS_TO_BLOCK = 5

_DDL = """
CREATE TABLE IF NOT EXISTS actions (
    id VARCHAR PRIMARY KEY, incident_id VARCHAR, kind VARCHAR, target VARCHAR, title VARCHAR,
    context VARCHAR, breaks VARCHAR, evidence VARCHAR[], status VARCHAR, proposed_at TIMESTAMPTZ,
    decided_by VARCHAR, decided_at TIMESTAMPTZ, reason VARCHAR)
"""
_BY_INCIDENT = parse("SELECT * FROM actions WHERE incident_id = ? ORDER BY proposed_at, id")
_ALL = parse("SELECT * FROM actions ORDER BY proposed_at DESC, id")
_IDS = parse("SELECT id FROM actions")
_STATUS = parse("SELECT status FROM actions WHERE id = ?")


class ProposedAction(BaseModel):
    id: str
    incident_id: str
    kind: str
    target: str
    title: str
    context: str  # business context: criticality, owner, what else runs there
    breaks: str  # what stops working if it is done
    evidence: list[str] = Field(default_factory=list)  # alert ids motivating it
    status: Status = "proposed"
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


@lru_cache(maxsize=1)
def _templates() -> dict[str, dict[str, str]]:
    return yaml.safe_load(files("socpilot.copilot").joinpath("actions.yml").read_text())


def _action_id(incident_id: str, kind: str, target: str) -> str:
    return "act-" + hashlib.blake2b(f"{incident_id}|{kind}|{target}".encode(), digest_size=6).hexdigest()


def _hosts_contacting(ws: Workspace, domain: str) -> int:
    tree = parse("SELECT count(DISTINCT coalesce(host_name, src_ip)) AS n FROM events "
                 "WHERE lower(dns_query) = ? OR lower(tls_sni) = ? OR lower(http_host) = ?")
    con = ws.connect()
    try:
        return int(run_query(con, tree, [domain.lower()] * 3)[0]["n"])
    finally:
        con.close()


def _targets(incident: Any, alerts: list[Alert]) -> list[tuple[str, str, list[str]]]:
    """(kind, entity, motivating alert ids): entities named by the incident's medium-or-worse alerts.

    A broad incident also gathers low-level noise around the attack; acting on everything it
    touches would disable bystanders, so only what a serious alert names becomes an option.
    """
    serious = [a for a in alerts if a.id in set(incident.alert_ids) and LEVEL_RANK[a.rule_level] >= LEVEL_RANK["medium"]]
    found: dict[tuple[str, str], list[str]] = {}
    for alert in sorted(serious, key=lambda a: (-LEVEL_RANK[a.rule_level], a.first_time)):
        for e in alert.entities:
            kind = e.kind
            if kind in ("host", "user", "access_key", "domain"):
                found.setdefault((kind, e.value), []).append(alert.id)
    return [(kind, value, ids) for (kind, value), ids in found.items()]


def response_options(ws: Workspace, incident: Any, alerts: list[Alert]) -> list[ProposedAction]:
    """Options for an incident (an ``Incident`` from correlation), each with context and evidence."""
    assets = {a.hostname: a for a in load_assets(ws)}
    people = {i.user: i for i in load_identities(ws)}
    now = datetime.now(UTC)
    options: list[ProposedAction] = []
    for kind, template in _templates().items():
        for entity_kind, target, motivating in _targets(incident, alerts):
            if entity_kind != template["entity"]:
                continue
            context, fill = _context(ws, entity_kind, target, assets, people)
            if entity_kind == "domain" and int(fill.get("hosts", "0")) > MAX_HOSTS_TO_BLOCK:
                continue  # a domain much of the company uses is business, not the attacker's
            options.append(ProposedAction(
                id=_action_id(incident.id, kind, target), incident_id=incident.id, kind=kind, target=target,
                title=template["title"].format(target=target), context=context,
                breaks=template["breaks"].format(target=target, **fill), evidence=motivating[:10],
                proposed_at=now))
    return options


def _context(ws: Workspace, kind: str, target: str, assets: dict[str, Any], people: dict[str, Any]
             ) -> tuple[str, dict[str, str]]:
    if kind == "host":
        asset = assets.get(normalise_host(target) or "")
        if asset is None:
            return "Not in the inventory: criticality and owner unknown.", {
                "role": "unknown role", "service": "", "owner": "unknown"}
        service = f" for {asset.business_service}" if asset.business_service else ""
        return (f"{asset.role or 'unknown role'}, criticality {asset.criticality or 'unknown'}, owner "
                f"{asset.owner or 'unknown'}{service}.",
                {"role": asset.role or "unknown role", "service": service, "owner": asset.owner or "unknown"})
    if kind == "user":
        person = people.get(normalise_user(target) or "")
        if person is None:
            return "Not in the identity list: department and privileges unknown.", {"privileged": ""}
        privileged = "; it is a privileged account, so admin tasks it runs stop too" if person.privileged else ""
        return (f"{person.department or 'unknown department'}, groups {', '.join(person.groups) or 'none'}, "
                f"privileged {person.privileged}, manager {person.manager or 'unknown'}.", {"privileged": privileged})
    if kind == "domain":
        hosts = _hosts_contacting(ws, target)
        return f"{hosts} host(s) contacted it.", {"hosts": str(hosts)}
    return "Cloud credential named in the incident.", {}


def propose(ws: Workspace, options: list[ProposedAction]) -> list[ProposedAction]:
    """Store options as proposed actions; an option already decided keeps its decision."""
    with ws.store.catalog() as con:
        con.execute(_DDL)
        known = {r["id"] for r in run_query(con, _IDS)}
        fresh = [o for o in options if o.id not in known]
        if fresh:
            con.executemany("INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(o.id, o.incident_id, o.kind, o.target, o.title, o.context, o.breaks, o.evidence,
                              o.status, o.proposed_at, None, None, None) for o in fresh])
    return list_actions(ws, options[0].incident_id) if options else []


def list_actions(ws: Workspace, incident_id: str | None = None) -> list[ProposedAction]:
    with ws.store.catalog(read_only=True) as con:
        if not table_exists(con, "actions"):
            return []
        rows = run_query(con, _BY_INCIDENT, [incident_id]) if incident_id else run_query(con, _ALL)
    return [ProposedAction(**{k: v for k, v in r.items() if v is not None}) for r in rows]


def decide(ws: Workspace, action_id: str, approve: bool, who: str, reason: str) -> ProposedAction:
    """An analyst's decision. A decision needs a person and a reason; a decided action stays decided."""
    if not who.strip() or not reason.strip():
        raise ValueError("a decision needs who made it and why")
    update = (exp.update("actions", {"status": exp.Placeholder(), "decided_by": exp.Placeholder(),
                                     "decided_at": exp.Placeholder(), "reason": exp.Placeholder()})
              .where(exp.and_(exp.EQ(this=exp.column("id"), expression=exp.Placeholder()),
                              exp.EQ(this=exp.column("status"), expression=exp.Literal.string("proposed")))))
    with ws.store.catalog() as con:
        con.execute(_DDL)
        found = run_query(con, _STATUS, [action_id])
        if not found:
            raise KeyError(f"no proposed action {action_id}")
        if found[0]["status"] != "proposed":
            raise ValueError(f"{action_id} was already {found[0]['status']}")
        con.execute(update.sql("duckdb"), ["approved" if approve else "rejected", who, datetime.now(UTC), reason,
                                           action_id])
    return next(a for a in list_actions(ws) if a.id == action_id)
