"""The FastAPI application: pages and ``/api/v1``, thin over socpilot's Python API.

Route handlers only translate HTTP to calls of the Python API and back; the logic
lives in the stage packages, so the CLI's ``--json`` and the API return the same
documents. Each area of the console has its own route module.
"""

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from socpilot import __version__
from socpilot.api import Workspace
from socpilot.explore import EventNotFound, get_event, overview
from socpilot.web.charts import stacked_bars
from socpilot.web.console import HERE, Console, LoginRequired
from socpilot.web.routes_coverage import coverage_routes
from socpilot.web.routes_hunt import hunt_routes
from socpilot.web.routes_incidents import incident_routes
from socpilot.web.security import SESSION_COOKIE, SecurityHeaders
from socpilot.web.users import User


def create_app(home: str | Path | None = None, require_auth: bool | None = None) -> FastAPI:
    """``require_auth`` defaults to: on when any console user exists (always on off-loopback)."""
    ws = Workspace.open(home)
    console = Console(ws, False)
    console.auth = console.users.any() if require_auth is None else require_auth
    app = FastAPI(title="socpilot", version=__version__, docs_url="/api/docs", openapi_url="/api/v1/openapi.json")
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.console = console
    Viewer = Annotated[User, console.need("viewer")]  # a dependency alias, read as a type

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(user: Viewer, request: Request) -> HTMLResponse:
        doc = overview(ws)
        chart = stacked_bars(doc["events_per_day"], "day", "source", "events")
        return console.page(request, "overview.html", user, doc=doc, chart=chart)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(user: Viewer, request: Request, event_id: str) -> HTMLResponse:
        try:
            doc = get_event(ws, event_id)
        except EventNotFound:
            return console.page(request, "missing.html", user, status_code=404, what=f"event {event_id}")
        return console.page(request, "event.html", user, doc=doc)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return console.templates.TemplateResponse(
            request, "login.html", {"user": None, "error": None, "auth": console.auth, "nav": []})

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
        user = console.users.verify_password(name, password)
        if user is None:
            console.audit(User(name[:64], "viewer"), "login-failed", "console")
            return console.templates.TemplateResponse(
                request, "login.html", {"user": None, "error": "Wrong name or password.", "auth": console.auth,
                                        "nav": []}, status_code=401)
        token, _ = console.sessions.open(user)
        console.audit(user, "login", "console")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(user: Viewer, request: Request) -> Response:
        token, _ = console.session_of(request)
        console.sessions.close(token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/api/v1/status")
    def api_status(user: Viewer) -> JSONResponse:
        return JSONResponse(jsonable_encoder(ws.status()))

    @app.get("/api/v1/overview")
    def api_overview(user: Viewer) -> JSONResponse:
        return JSONResponse(jsonable_encoder(overview(ws)))

    @app.get("/api/v1/events/{event_id}")
    def api_event(user: Viewer, event_id: str) -> JSONResponse:
        try:
            return JSONResponse(jsonable_encoder(get_event(ws, event_id)))
        except EventNotFound:
            raise HTTPException(404, f"no event {event_id}") from None

    app.include_router(incident_routes(console))
    app.include_router(hunt_routes(console))
    app.include_router(coverage_routes(console))
    return app
