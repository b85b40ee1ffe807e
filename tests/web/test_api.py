"""The console's HTTP API and pages, through FastAPI's test client, on a small real store."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from socpilot.api import Workspace
from socpilot.web import create_app
from socpilot.web.security import CSP
from socpilot.web.users import UserStore


def test_status_api_returns_the_same_document_as_the_python_api(hostile_home: Path) -> None:
    client = TestClient(create_app(hostile_home))
    response = client.get("/api/v1/status")
    assert response.status_code == 200
    assert response.json()["events"] == Workspace.open(hostile_home).status()["events"] == 1
    assert response.headers["content-security-policy"] == CSP


def test_event_page_renders_hostile_fields_as_inert_text(hostile_home: Path, hostile: str) -> None:
    client = TestClient(create_app(hostile_home))
    event_id = Workspace.open(hostile_home).connect().execute("SELECT id FROM events").fetchone()[0]
    html = client.get(f"/events/{event_id}").text
    assert "<script>alert(2)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "{{7*7}}" in html and ">49<" not in html
    assert client.get(f"/api/v1/events/{event_id}").json()["normalized"]["user_agent"] == hostile


def test_unknown_event_is_a_404_in_the_api(hostile_home: Path) -> None:
    client = TestClient(create_app(hostile_home))
    assert client.get("/api/v1/events/nope").status_code == 404


def test_accounts_are_required_once_they_exist_and_csrf_guards_state_changes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Workspace.open(home)
    store = UserStore(home)
    store.add("vera", "viewer", "viewer-password")
    client = TestClient(create_app(home))
    assert client.get("/api/v1/status").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.post("/login", data={"name": "vera", "password": "wrong-password"}).status_code == 401
    assert client.post("/login", data={"name": "vera", "password": "viewer-password"}).status_code == 200
    assert client.get("/api/v1/status").status_code == 200
    # Logging out is a state change: without the session's CSRF token it is refused.
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/status").status_code == 401


def test_api_tokens_authenticate_without_a_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Workspace.open(home)
    store = UserStore(home)
    store.add("ana", "analyst", "analyst-password")
    token = store.new_token("ana")
    client = TestClient(create_app(home))
    assert client.get("/api/v1/status", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/status", headers={"Authorization": "Bearer forged"}).status_code == 401
