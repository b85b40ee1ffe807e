"""Investigation answers on the demo: routed right, every citation exists, actions wait for a human."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socpilot.api import Workspace
from socpilot.copilot import decide, investigate, list_actions
from socpilot.correlate import list_incidents, stored_alerts
from socpilot.inventory import load_assets, load_identities


def _existing(ws: Workspace, ids: set[str]) -> set[str]:
    con = ws.connect()
    events = {r[0] for r in con.execute("SELECT id FROM events WHERE id IN (SELECT unnest(?))", [sorted(ids)]).fetchall()}
    con.close()
    alerts = {a.id for a in stored_alerts(ws)}
    incidents = {i.id for i in list_incidents(ws)}
    actions = {a.id for a in list_actions(ws)}
    inventory = {f"inventory:assets/{a.hostname}" for a in load_assets(ws)} | {
        f"inventory:identities/{i.user}" for i in load_identities(ws)}
    other = {i for i in ids if i.startswith(("attack:", "rule:"))}
    return events | (ids & (alerts | incidents | actions | inventory)) | other


@pytest.fixture(scope="module")
def now(demo_run) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.fromisoformat(demo_run.manifest.facts["attack_date"] + "T00:00:00+00:00") + timedelta(days=1, hours=8)


def test_every_answer_routes_right_and_cites_only_what_exists(demo_run, demo_ws: Workspace, now: datetime) -> None:  # type: ignore[no-untyped-def]
    facts = demo_run.manifest.facts
    questions = {
        f"what happened on {facts['victim_host']} yesterday?": ("entity_profile", facts["victim_host"]),
        f"what did {facts['victim']} do yesterday?": ("entity_profile", facts["victim"]),
        f"is {facts['c2_ip']} involved in anything?": ("indicator", facts["c2_ip"]),
        f"have we seen {facts['c2_domain']}?": ("indicator", facts["c2_domain"]),
        "what is T1003.001 and do we detect it?": ("technique", "LSASS"),
        "summarize incident 1": ("incident_summary", facts["victim_host"].lower()),
        "what should we do about incident 1?": ("response", facts["victim_host"]),
    }
    for question, (route, named) in questions.items():
        answer = investigate(demo_ws, question, now=now)
        assert answer.route == route, question
        assert named.lower() in answer.model_dump_json().lower(), question
        assert answer.sentences and all(s.cites or s.kind == "missing" for s in answer.sentences), question
        cited = answer.cited_ids()
        assert cited <= _existing(demo_ws, cited), (question, cited - _existing(demo_ws, cited))


def test_the_technique_answer_names_our_rules_and_what_fired(demo_ws: Workspace, now: datetime) -> None:
    answer = investigate(demo_ws, "what is T1003.001 and do we detect it?", now=now)
    assert answer.data["rules"] and any("LSASS" in r["title"] for r in answer.data["rules"])
    assert answer.data["alerts"]  # the demo's credential dumping fired


def test_response_options_are_proposals_that_only_a_person_with_a_reason_decides(demo_run, demo_ws: Workspace,  # type: ignore[no-untyped-def]
                                                                                 now: datetime) -> None:
    answer = investigate(demo_ws, "what should we do about incident 1?", now=now)
    actions = list_actions(demo_ws, list_incidents(demo_ws)[0].id)
    assert actions and all(a.status == "proposed" for a in actions)
    isolate = next(a for a in actions if a.kind == "isolate_host"
                   and a.target.lower().startswith(demo_run.manifest.facts["victim_host"].lower()))
    assert "criticality" in isolate.context and isolate.evidence
    with pytest.raises(ValueError):
        decide(demo_ws, isolate.id, True, "ana", "  ")
    decided = decide(demo_ws, isolate.id, True, "ana", "IR-42: contain the patient-zero laptop")
    assert (decided.status, decided.decided_by) == ("approved", "ana") and decided.decided_at <= datetime.now(UTC)
    with pytest.raises(ValueError, match="already approved"):
        decide(demo_ws, isolate.id, False, "bob", "changed my mind")
    assert answer.sentences[-1].text.startswith("socpilot takes no action itself")
