"""The ATT&CK coverage page and API: built-in pack coverage, what fired, the Navigator layer, escaping."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from socpilot.api import Workspace
from socpilot.attack.knowledge import load
from socpilot.correlate import stored_alerts
from socpilot.web import create_app
from socpilot.web.routes_coverage import covered_techniques, fired_layer, fired_techniques, rules_key

HOSTILE_RULE = """\
title: '"><img src=x onerror=alert(1)><script>alert(2)</script>{{7*7}}'
id: 0f6a3a52-7d0e-4a43-9c55-2f1d1b7f3e01
status: experimental
description: a rule whose title is an XSS payload
author: '<script>alert(3)</script>'
tags:
- attack.credential-access
- attack.t1003.002
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|contains: reg save hklm\\sam
  condition: selection
level: high
"""


def _cells(doc: dict) -> dict[str, dict]:
    return {t["id"]: t for tactic in doc["tactics"] for t in tactic["techniques"]}


def test_coverage_api_lists_builtin_techniques_and_the_ones_that_fired(demo_ws: Workspace) -> None:
    alerts = stored_alerts(demo_ws)
    assert alerts, "the demo fixture ran detection"
    alert_techniques = {t for a in alerts for t in a.techniques}
    assert alert_techniques

    doc = TestClient(create_app(demo_ws.home)).get("/api/v1/coverage").json()
    assert [t["shortname"] for t in doc["tactics"]][:3] == ["reconnaissance", "resource-development",
                                                             "initial-access"]
    assert "T1003.001" in doc["covered"]
    assert set(doc["fired"]) == alert_techniques
    assert sum(doc["fired"].values()) == sum(len(set(a.techniques)) for a in alerts)

    cells = _cells(doc)
    lsass = cells["T1003"]
    assert lsass["name"] == "OS Credential Dumping"
    assert "T1003.001" in lsass["covered"] and lsass["subtechniques"] == 8
    assert lsass["state"] in ("covered", "fired") and lsass["rules"] >= 2
    some_fired = next(t for t in sorted(alert_techniques) if t.split(".")[0] in cells)
    assert cells[some_fired.split(".")[0]]["state"] == "fired"
    assert doc["summary"]["covered"] == len({t.split(".")[0] for t in doc["covered"] if load().technique(t)})
    # a technique no rule tags and no alert names stays blank
    assert any(t["state"] == "none" for t in cells.values())


def test_coverage_page_draws_the_matrix_with_fired_and_covered_cells(demo_ws: Workspace) -> None:
    html = TestClient(create_app(demo_ws.home)).get("/coverage").text
    assert '<div class="matrix">' in html
    assert "Credential Access" in html and "OS Credential Dumping" in html
    assert 'class="cell fired' in html and 'class="cell covered' in html
    assert 'href="/api/v1/coverage/navigator"' in html


def test_navigator_layer_is_a_download_with_scores_and_fired_colours(demo_ws: Workspace) -> None:
    response = TestClient(create_app(demo_ws.home)).get("/api/v1/coverage/navigator")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    layer = response.json()
    assert layer["name"] == "socpilot detection coverage" and layer["domain"] == "enterprise-attack"
    by_id = {t["techniqueID"]: t for t in layer["techniques"]}
    assert by_id["T1003.001"]["score"] >= 2
    fired = {t for a in stored_alerts(demo_ws) for t in a.techniques}
    assert {tid for tid, t in by_id.items() if "color" in t} == fired
    assert all(isinstance(t["score"], int) for t in layer["techniques"])


def test_fired_layer_adds_techniques_no_rule_covers() -> None:
    rows = [{"technique": "T1059.001", "name": "PowerShell", "tactics": ["execution"], "rules": 3,
             "rule_titles": ["a", "b", "c"]}]
    layer = fired_layer(rows, {"T1059.001": 2, "T1566.001": 1})
    by_id = {t["techniqueID"]: t for t in layer["techniques"]}
    assert by_id["T1059.001"]["score"] == 3 and by_id["T1059.001"]["comment"].startswith("2 alert(s) fired; a; b")
    assert by_id["T1566.001"] == {"techniqueID": "T1566.001", "score": 0, "enabled": True,
                                  "color": "#f87171", "comment": "1 alert(s) fired"}


def test_fired_techniques_counts_alerts_once_per_technique_in_v18_terms(demo_ws: Workspace) -> None:
    alerts = stored_alerts(demo_ws)
    fired = fired_techniques(load(), alerts)
    top = max(fired, key=fired.get)
    assert fired[top] == sum(1 for a in alerts if top in a.techniques)


def test_hostile_rule_titles_stay_escaped_and_an_edited_rule_set_recompiles(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Workspace.open(home)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "hostile.yml").write_text(HOSTILE_RULE, encoding="utf-8")
    (home / "detect.yml").write_text(f"rules: ['{rules}']\n", encoding="utf-8")

    client = TestClient(create_app(home))
    doc = client.get("/api/v1/coverage").json()
    assert "T1003.002" in doc["covered"] and doc["fired"] == {}
    sam = _cells(doc)["T1003"]
    assert any("<script>alert(2)</script>" in title for title in sam["rule_titles"])
    html = client.get("/coverage").text
    assert "<script>alert(2)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "{{7*7}}" in html

    key = rules_key([rules])
    (rules / "second.yml").write_text(HOSTILE_RULE.replace("0f6a3a52", "1f6a3a52").replace("t1003.002", "t1552.001"),
                                      encoding="utf-8")
    assert rules_key([rules]) != key
    assert "T1552.001" in {r["technique"] for r in covered_techniques([rules])}


def test_coverage_page_in_chromium_breaks_no_csp_rule_and_downloads_the_layer(browser, serve,  # type: ignore[no-untyped-def]
                                                                               demo_ws: Workspace) -> None:
    errors: list[str] = []
    with serve(create_app(demo_ws.home)) as base:
        page = browser.new_page(accept_downloads=True)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + "/coverage")
        assert page.locator(".matrix .col").count() == len(load().tactics())
        assert page.locator(".matrix .cell.fired").count() > 0
        with page.expect_download() as download:
            page.click("text=Export ATT&CK Navigator layer")
        layer = download.value.path().read_text()
        assert '"domain": "enterprise-attack"' in layer
        page.close()
    assert errors == []
