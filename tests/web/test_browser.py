"""The console in a real headless Chromium: hostile log values stay inert text."""

from __future__ import annotations

from pathlib import Path

from socpilot.api import Workspace
from socpilot.web import create_app


def test_hostile_values_execute_nothing_in_the_browser(browser, serve, hostile_home: Path, hostile: str) -> None:  # type: ignore[no-untyped-def]
    event_id = Workspace.open(hostile_home).connect().execute("SELECT id FROM events").fetchone()[0]
    dialogs: list[str] = []
    errors: list[str] = []
    with serve(create_app(hostile_home)) as base:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        for path in ("/", f"/events/{event_id}"):
            response = page.goto(base + path)
            assert response is not None and response.status == 200
            page.wait_for_load_state("networkidle")
        assert hostile in page.inner_text("main")
        assert page.locator("main img").count() == 0
        assert page.locator("main script").count() == 0
        page.close()
    assert dialogs == []
    assert errors == []
