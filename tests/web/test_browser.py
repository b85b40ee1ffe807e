"""The console in a real headless Chromium: hostile log values stay inert text."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from socpilot.api import Workspace
from socpilot.web import create_app

from .browser import CHROMIUM_ARGS, chromium_path, serve
from .test_api import HOSTILE


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_hostile_values_execute_nothing_in_the_browser(browser, hostile_home: Path) -> None:  # type: ignore[no-untyped-def]
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
        assert HOSTILE in page.inner_text("main")
        assert page.locator("main img").count() == 0
        assert page.locator("main script").count() == 0
        page.close()
    assert dialogs == []
    assert errors == []
