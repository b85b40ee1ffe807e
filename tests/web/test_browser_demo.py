"""The analyst's workflow on the demo, in real headless Chromium: overview, top incident, a citation,
the seed's hunting question, CSV export, and a status change allowed for an analyst but not a viewer."""

from __future__ import annotations

import re

from socpilot.api import Workspace
from socpilot.correlate import list_incidents, set_status
from socpilot.web import create_app
from socpilot.web.users import UserStore

SEED_QUESTION = "show me devices that talked to newly registered domains this week"


def _login(page, base: str, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form.login button")
    page.wait_for_url(base + "/")


def test_an_analyst_follows_the_top_incident_to_its_evidence_and_hunts(browser, serve, demo_run, demo_ws: Workspace,
                                                                      tmp_path) -> None:  # type: ignore[no-untyped-def]
    users = UserStore(demo_ws.home)
    users.add("ana", "analyst", "analyst-password")
    users.add("vera", "viewer", "viewer-password")
    top = list_incidents(demo_ws)[0]
    errors: list[str] = []
    try:
        _workflow(browser, serve, demo_ws, top, errors)
    finally:  # the demo workspace is shared by the session: leave it as it was
        users.path.unlink()
        set_status(demo_ws, top.id, top.status)
    assert errors == []


def _workflow(browser, serve, demo_ws: Workspace, top, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    with serve(create_app(demo_ws.home)) as base:
        page = browser.new_page(accept_downloads=True)
        page.on("pageerror", lambda e: errors.append(str(e)))
        _login(page, base, "ana", "analyst-password")
        assert "Events per source over time" in page.inner_text("main")
        page.goto(base + "/incidents")
        page.click(f"a[href='/incidents/{top.id}']")
        assert top.title in page.inner_text("h1")
        citation = page.locator("ol.narrative a.cite[href^='/events/']").first
        event_id = citation.inner_text()
        citation.click()
        assert event_id in page.inner_text("h1") and "Original record" in page.inner_text("main")
        page.goto(base + "/hunt?q=" + SEED_QUESTION.replace(" ", "+"))
        assert "newly registered" in page.inner_text("p.interpretation").lower() or "registered" in page.inner_text(
            "p.interpretation").lower()
        rows = page.locator("table.results tbody tr")
        assert rows.count() > 0
        with page.expect_download() as download:
            page.click("text=Export CSV")
        csv_text = download.value.path().read_text()
        assert csv_text.count("\n") == rows.count() + 1
        page.goto(base + f"/incidents/{top.id}")
        page.select_option("#status-form select", "investigating")
        page.click("#status-form button")
        assert page.inner_text("#status") == "investigating"
        page.close()

        viewer = browser.new_page()
        _login(viewer, base, "vera", "viewer-password")
        viewer.goto(base + f"/incidents/{top.id}")
        assert viewer.locator("#status-form").count() == 0  # no control offered
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', viewer.content()).group(1)
        refused = viewer.request.post(base + f"/incidents/{top.id}/status",
                                      form={"status": "closed", "csrf_token": csrf})
        assert refused.status == 403
        viewer.close()
    assert [i.status for i in list_incidents(demo_ws) if i.id == top.id] == ["investigating"]
