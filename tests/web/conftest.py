"""Console fixtures: a store holding hostile values, a real headless Chromium, and a live server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from socpilot.api import Workspace

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
HOSTILE_VALUE = '"><img src=x onerror=alert(1)><script>alert(2)</script>{{7*7}}'


@pytest.fixture(scope="session")
def hostile() -> str:
    return HOSTILE_VALUE


@pytest.fixture
def hostile_home(tmp_path: Path) -> Path:
    """A store holding one Zeek http record whose user agent and URI are XSS payloads."""
    home = tmp_path / "home"
    log = tmp_path / "http.log"
    log.write_text(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n"
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\tuser_agent\tstatus_code\n"
        "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tcount\n"
        f"1700000000.000000\tCabc\t10.0.0.5\t50000\t203.0.113.7\t80\tGET\tevil.example\t/{HOSTILE_VALUE}\t"
        f"{HOSTILE_VALUE}\t200\n"
    )
    report = Workspace.open(home).ingest([log])
    assert report.records == 1
    return home


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextmanager
def _serve(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("console did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def serve() -> Callable[[FastAPI], AbstractContextManager[str]]:
    """Serve an app on a free loopback port in a thread: ``with serve(app) as base_url``."""
    return _serve
