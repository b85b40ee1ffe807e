"""The shipped investigation questions route to their tools (>= 95%) on the demo's names."""

from __future__ import annotations

import orjson

from socpilot.api import Workspace
from socpilot.copilot.eval import shipped_questions
from socpilot.copilot.eval.evaluate import _fill
from socpilot.copilot.router import route
from socpilot.hunt.ask import known_names
from socpilot.inventory import load_assets, load_identities


def test_shipped_question_set_is_large_and_covers_every_route() -> None:
    cases = [orjson.loads(line) for line in shipped_questions().read_bytes().splitlines() if line.strip()]
    assert len(cases) >= 150
    assert {c["route"] for c in cases} == {"entity_profile", "incident_summary", "response", "indicator",
                                           "technique", "alert_explain", "hunt"}


def test_routing_accuracy_on_the_demo_is_at_least_95_percent(demo_run, demo_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    facts = {k: str(v) for k, v in demo_run.manifest.facts.items() if isinstance(v, str | int)}
    facts |= dict(demo_run.manifest.facts["weaknesses"])
    facts |= {"top_incident": "inc-0123456789ab", "top_alert": "al-0123456789abcdef0123"}
    con = demo_ws.connect()
    known = known_names(con)
    con.close()
    hosts = {a.hostname for a in load_assets(demo_ws)}
    users = {i.user for i in load_identities(demo_ws)}
    cases = [orjson.loads(line) for line in shipped_questions().read_bytes().splitlines() if line.strip()]
    wrong = []
    for case in cases:
        question = _fill(case["question"], facts)
        assert question is not None, case
        got = route(question, known, hosts, users).name
        if got != case["route"]:
            wrong.append((question, case["route"], got))
    accuracy = 1 - len(wrong) / len(cases)
    assert accuracy >= 0.95, wrong
