"""A retrospective of the demo's top incident: timings, stages caught, and a Markdown report."""

from __future__ import annotations

from socpilot.api import Workspace
from socpilot.correlate import list_incidents
from socpilot.feedback.retro import render_retro, retrospective


def test_the_retrospective_of_the_top_incident_names_what_caught_each_stage(demo_ws: Workspace) -> None:
    top = list_incidents(demo_ws)[0]
    retro = retrospective(demo_ws, top.id)
    assert retro["incident"] == top.id and retro["detected"] >= retro["activity_began"]
    assert "credential-access" in retro["caught"] and retro["caught"]["credential-access"]
    assert set(retro["missed"]).isdisjoint(retro["caught"])
    for tactic in retro["missed"]:
        assert retro["suggestions"][tactic] and all(s["technique"].startswith("T") for s in retro["suggestions"][tactic])
    text = render_retro(retro)
    assert text.startswith("# Retrospective:") and "## What caught each stage" in text
