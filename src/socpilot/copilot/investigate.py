"""One entry for every analyst question: route it, answer it from the store, cite everything.

The offline path needs no model. ``incident 3`` means the third incident of the queue
(highest risk first); ``inc-…`` ids are taken as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlglot import exp

from socpilot.api import Workspace
from socpilot.copilot.answer import Answer, Clarification
from socpilot.copilot.indicator import indicator_answer
from socpilot.copilot.llm import Provider, load_provider, rewrite_narrative, understand
from socpilot.copilot.profile import entity_profile
from socpilot.copilot.response import propose, response_options
from socpilot.copilot.router import Route, route, time_window
from socpilot.copilot.technique import RuleRef, technique_answer
from socpilot.correlate import IncidentNotFound, incident, list_incidents, stored_alerts
from socpilot.datasources import available_components
from socpilot.detect.config import rule_folders
from socpilot.hunt.ask import ask as hunt
from socpilot.hunt.ask import known_names
from socpilot.hunt.ask import run as run_hunt
from socpilot.inventory import load_assets, load_identities
from socpilot.store.query import parse, run_query


@lru_cache(maxsize=4)
def _compiled_refs(folders: tuple[str, ...], stamp: float) -> tuple[RuleRef, ...]:
    from socpilot.attack.knowledge import load
    from socpilot.detect.run import compile_rules

    compiled = compile_rules([Path(f) for f in folders], include_builtin=True)
    metas = {r.meta.id: r.meta for r in compiled.rules} | {m.id: m for m, _ in compiled.correlations}
    kb = load()
    return tuple(RuleRef(m.id, m.title, m.level, tuple(kb.to_v18(t) for t in m.techniques)) for m in metas.values())


_LATEST_IN_HOURS = parse(
    "SELECT max(time) AS latest FROM events WHERE extract(hour FROM time) >= ? AND extract(hour FROM time) < ? "
    "AND time <= ?")


def rule_refs(ws: Workspace) -> list[RuleRef]:
    """The enabled rules (built-in pack and the workspace's folders), compiled once per process and rule set."""
    folders = rule_folders(ws.home)
    stamp = max((p.stat().st_mtime for f in folders if f.exists() for p in [f, *f.rglob("*.yml")]), default=0.0)
    return list(_compiled_refs(tuple(str(f) for f in folders), stamp))


def find_incident(ws: Workspace, ref: str) -> Any:
    queue = list_incidents(ws)
    if ref.isdigit():
        index = int(ref) - 1
        if 0 <= index < len(queue):
            return queue[index]
        raise IncidentNotFound(ref)
    for inc in queue:
        if inc.id == ref.lower() or ref.lower() in inc.merged_from:
            return inc
    raise IncidentNotFound(ref)


def investigate(ws: Workspace, question: str, now: datetime | None = None,
                provider: Provider | None = None) -> Answer:
    """Answer a question. ``provider`` (default: the configured one, usually none) may only help
    read a question the offline parser could not, and rewrite narratives keeping their citations."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    provider = provider if provider is not None else load_provider(ws.home)
    con = ws.connect()
    try:
        known = known_names(con)
    finally:
        con.close()
    hosts = {a.hostname for a in load_assets(ws)}
    users = {i.user for i in load_identities(ws)}
    chosen = route(question, known, hosts, users)
    answer = _dispatch(ws, question, chosen, now, provider)
    answer.question = question
    return answer


def _latest_in_hours(ws: Workspace, now: datetime) -> Callable[[int, int], datetime | None]:
    def latest(hour_from: int, hour_to: int) -> datetime | None:
        con = ws.connect()
        try:
            return run_query(con, _LATEST_IN_HOURS, [hour_from, hour_to, now])[0]["latest"]
        finally:
            con.close()
    return latest


def _dispatch(ws: Workspace, question: str, chosen: Route, now: datetime, provider: Provider | None) -> Answer:
    if chosen.name == "clarify":
        answer = Answer(question=question, route="clarify", title=f"Which {chosen.args['name']}?")
        answer.clarification = Clarification(
            question=f"I do not know {chosen.args['name']!r}; did you mean one of these?", choices=chosen.choices)
        return answer
    if chosen.name == "entity_profile":
        start, end = time_window(question, now, _latest_in_hours(ws, now))
        return entity_profile(ws, chosen.args["kind"], chosen.args["name"], start, end, stored_alerts(ws),
                              list_incidents(ws))
    if chosen.name == "indicator":
        return indicator_answer(ws, chosen.args["indicator"], stored_alerts(ws), list_incidents(ws))
    if chosen.name == "technique":
        return technique_answer(chosen.args["technique"], rule_refs(ws), stored_alerts(ws), available_components(ws))
    if chosen.name in ("incident_summary", "response"):
        try:
            found = find_incident(ws, chosen.args["incident"])
        except IncidentNotFound:
            answer = Answer(question=question, route=chosen.name, title="No such incident")
            answer.say(f"There is no incident {chosen.args['incident']}.", kind="missing")
            return answer
        if chosen.name == "response":
            return respond(ws, found)
        answer = summarize_incident(ws, found)
        if provider is not None:
            answer.sentences = rewrite_narrative(provider, answer.sentences, _existing(ws, answer.cited_ids()))
        return answer
    if chosen.name == "alert_explain":
        return explain_alert(ws, chosen.args["alert"])
    answer = _hunt(ws, question, now)
    if provider is not None and answer.data.get("query") is None and answer.clarification is None:
        return _with_model(ws, question, now, provider) or answer
    return answer


def _with_model(ws: Workspace, question: str, now: datetime, provider: Provider) -> Answer | None:
    """The model's typed reading of a question the offline parser could not map, run like any other."""
    reading = understand(provider, question)
    if reading is None:
        return None
    if reading.call is not None:
        return _dispatch(ws, question, Route(reading.call.tool, dict(reading.call.args)), now, None)
    assert reading.query is not None
    con = ws.connect()
    try:
        result = run_hunt(con, question, reading.query, now, ["read by the configured language model"], [])
    finally:
        con.close()
    return _hunt_answer(question, result)


def _existing(ws: Workspace, ids: set[str]) -> set[str]:
    """Which cited ids exist: events in the store, alerts and incidents in the catalog."""
    events = [i for i in ids if not i.startswith(("al-", "inc-", "act-", "inventory:", "attack:", "rule:"))]
    con = ws.connect()
    try:
        found = {r["id"] for r in run_query(con, exp.select("id").from_("events").where(
            exp.In(this=exp.column("id"), expressions=[exp.Placeholder() for _ in events])), events)} if events else set()
    finally:
        con.close()
    alerts = {a.id for a in stored_alerts(ws)}
    incidents = {i.id for i in list_incidents(ws)}
    return found | (ids & alerts) | (ids & incidents)


def summarize_incident(ws: Workspace, found: Any) -> Answer:
    doc = incident(ws, found.id)
    answer = Answer(question=found.id, route="incident_summary", title=f"{doc.incident_id}: {doc.title}",
                    data={"incident": doc.model_dump(mode="json")})
    for s in doc.sentences:
        answer.say(s.text, [*s.alert_ids, *s.event_ids], kind=s.kind)
    answer.next_questions = [f"what should we do about {doc.incident_id}?"] + \
        [f"what happened on {h}?" for h in doc.hosts[:2]]
    return answer


def respond(ws: Workspace, found: Any) -> Answer:
    actions = propose(ws, response_options(ws, found, stored_alerts(ws)))
    answer = Answer(question=found.id, route="response", title=f"Response options for {found.id}: {found.title}",
                    data={"actions": [a.model_dump(mode="json") for a in actions]})
    if not actions:
        answer.say("The incident names no host, account, key or domain to act on.", [found.id], kind="missing")
    for a in actions:
        answer.say(f"{a.title} [{a.status}{' by ' + a.decided_by if a.decided_by else ''}]: {a.context} "
                   f"If done: {a.breaks}", [a.id, *a.evidence[:3]], kind="inferred")
    answer.say("socpilot takes no action itself: approve or reject each with `socpilot actions approve|reject ID`.",
               [found.id], kind="known")
    return answer


def explain_alert(ws: Workspace, alert_id: str) -> Answer:
    found = next((a for a in stored_alerts(ws) if a.id == alert_id), None)
    answer = Answer(question=alert_id, route="alert_explain", title=f"Alert {alert_id}")
    if found is None:
        answer.say(f"There is no alert {alert_id}.", kind="missing")
        return answer
    answer.title = f"Alert {alert_id}: {found.rule_title}"
    answer.say(f"Rule \u201c{found.rule_title}\u201d ({found.rule_level}, {found.rule_source}"
               f"{', by ' + found.rule_author if found.rule_author else ''}) matched {found.count} event(s) between "
               f"{found.first_time:%Y-%m-%d %H:%M} and {found.last_time:%Y-%m-%d %H:%M} UTC.",
               [found.id, *found.event_ids[:5]])
    if found.description:
        answer.say(f"The rule says: {found.description.strip()}", [found.id])
    if found.techniques:
        answer.say(f"ATT&CK: {', '.join(found.techniques)}.", [found.id], kind="inferred")
    involved = ", ".join(f"{e.kind} {e.value}" for e in found.entities[:8])
    if involved:
        answer.say(f"Involved: {involved}.", [found.id, *found.event_ids[:3]])
    for inc in list_incidents(ws):
        if found.id in inc.alert_ids:
            answer.say(f"It belongs to incident {inc.id}: {inc.title}.", [inc.id])
    return answer


def _hunt(ws: Workspace, question: str, now: datetime) -> Answer:
    return _hunt_answer(question, hunt(ws, question, now=now))


def _hunt_answer(question: str, result: Any) -> Answer:
    answer = Answer(question=question, route="hunt", title=result.interpretation,
                    data=result.model_dump(mode="json"))
    ids = [r["id"] for r in result.rows if isinstance(r, dict) and r.get("id")]
    if result.query is not None:
        answer.say(f"{len(result.rows)} row(s).", ids[:10])
    if result.clarification is not None:
        answer.clarification = Clarification(question=result.clarification.question,
                                             choices=list(result.clarification.choices))
    return answer
