"""Screenshots of the console's main pages on demo data, for the README: run by hand.

    .venv/bin/python scripts/screenshots.py [--home DIR] [--out docs/screenshots]

Without ``--home`` it runs the demo into a temporary workspace first (a few minutes on
two cores); with it, it reuses a workspace the demo already filled. It serves the
console on loopback and has Debian's Chromium (driven by Playwright) photograph each
page 1280 px wide.
"""

import argparse
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from socpilot.api import Workspace
from socpilot.correlate import list_incidents
from socpilot.demo.run import run_demo
from socpilot.hunt.intel import import_file
from socpilot.web import create_app

CHROMIUM_ARGS = [  # as tests/web/conftest.py: headless, and nothing reaches out of the machine
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SEED_QUESTION = "show me devices that talked to newly registered domains this week"
WIDTH, MAX_HEIGHT = 1280, 960  # long pages are cut (the top says what the page is) to keep PNGs < 300 KB


def demo_home(tmp: Path) -> Path:
    home = tmp / "home"
    run = run_demo(home, hosts=16, days=4, events=40_000, seed=7,
                   start=datetime.fromisoformat("2026-11-23T00:00:00+00:00"), say=print)
    import_file(home, Path(run.manifest.domains))  # the seed question needs the domain intel
    return home


@contextmanager
def serve(home: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(home), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def shoot(page: Page, url: str, path: Path, max_height: int = MAX_HEIGHT) -> None:
    """The page's top, at most ``max_height`` px: dense pages get less to stay small files."""
    page.goto(url)
    height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    print(f"{path}: {path.stat().st_size // 1024} KB")


def screenshots(home: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    incidents = list_incidents(Workspace.open(home))
    top = incidents[0] if incidents else None
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with serve(home) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        shoot(page, base + "/", out / "overview.png")
        shoot(page, base + "/incidents", out / "incidents.png")
        if top is not None:
            shoot(page, base + f"/incidents/{top.id}", out / "incident.png")
            event = page.locator("ol.narrative a.cite[href^='/events/']").first.get_attribute("href")
            shoot(page, base + str(event), out / "event.png")
        shoot(page, base + "/hunt?q=" + SEED_QUESTION.replace(" ", "+"), out / "hunt.png")
        shoot(page, base + "/coverage", out / "coverage.png", max_height=840)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a workspace the demo already filled")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    if args.home:
        screenshots(args.home, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        screenshots(demo_home(Path(tmp)), args.out)


if __name__ == "__main__":
    main()
