"""The FastAPI application: pages and ``/api/v1``, thin over socpilot's Python API.

Route handlers only translate HTTP to calls of the Python API and back; the logic
lives in the stage packages, so the CLI's ``--json`` and the API return the same
documents.
"""


import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from socpilot import __version__
from socpilot.api import Workspace
from socpilot.explore import EventNotFound, get_event, overview
from socpilot.web.audit import audit
from socpilot.web.charts import stacked_bars
from socpilot.web.security import SESSION_COOKIE, SecurityHeaders, Session, Sessions
from socpilot.web.users import Role, User, UserStore

HERE = Path(__file__).parent
LOCAL_USER = User("local", "admin")
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    pass


def create_app(home: str | Path | None = None, require_auth: bool | None = None) -> FastAPI:
    """``require_auth`` defaults to: on when any console user exists (always on off-loopback)."""
    ws = Workspace.open(home)
    users = UserStore(ws.home)
    auth = users.any() if require_auth is None else require_auth
    sessions = Sessions()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app = FastAPI(title="socpilot", version=__version__, docs_url="/api/docs", openapi_url="/api/v1/openapi.json")
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.ws = ws
    app.state.sessions = sessions
    app.state.auth = auth

    def session_of(request: Request) -> tuple[str | None, Session | None]:
        token = request.cookies.get(SESSION_COOKIE)
        return token, sessions.get(token)

    async def current(request: Request) -> User:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            user = users.verify_token(header[7:].strip())
            if user is None:
                raise HTTPException(401, "invalid API token")
            return user
        _, session = session_of(request)
        if session is None:
            if not auth:
                return LOCAL_USER
            if request.url.path.startswith("/api/"):
                raise HTTPException(401, "log in or send an API token")
            raise LoginRequired()
        if request.method in _UNSAFE:
            sent = request.headers.get("x-csrf-token")
            if sent is None and "form" in request.headers.get("content-type", ""):
                sent = str((await request.form()).get("csrf_token", ""))
            if not sent or not secrets.compare_digest(sent, session.csrf):
                raise HTTPException(403, "missing or wrong CSRF token")
        return session.user

    def need(role: Role):  # type: ignore[no-untyped-def]
        def check(user: Annotated[User, Depends(current)]) -> User:
            if not user.can(role):
                raise HTTPException(403, f"this needs the {role} role; you are {user.role}")
            return user

        return check

    Viewer = Annotated[User, Depends(need("viewer"))]

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    def page(request: Request, name: str, user: User, **context: Any) -> HTMLResponse:
        token, session = session_of(request)
        fresh = session is None and not auth
        if fresh:
            # The local analyst gets a session too, so CSRF protection works the same way.
            token, session = sessions.open(LOCAL_USER)
        response = templates.TemplateResponse(
            request, name, {"user": user, "csrf": session.csrf if session else "", "auth": auth, **context})
        if fresh:
            response.set_cookie(SESSION_COOKIE, token or "", httponly=True, samesite="strict")
        return response

    # -- pages -------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request, user: Viewer) -> HTMLResponse:
        doc = overview(ws)
        chart = stacked_bars(doc["events_per_day"], "day", "source", "events")
        return page(request, "overview.html", user, doc=doc, chart=chart)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str, user: Viewer) -> HTMLResponse:
        try:
            doc = get_event(ws, event_id)
        except EventNotFound:
            return page(request, "missing.html", user, what=f"event {event_id}")
        return page(request, "event.html", user, doc=doc)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "login.html", {"user": None, "error": None, "auth": auth})

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
        user = users.verify_password(name, password)
        if user is None:
            audit(ws.home, name, "login-failed", "console")
            return templates.TemplateResponse(
                request, "login.html", {"user": None, "error": "Wrong name or password.", "auth": auth},
                status_code=401)
        token, _ = sessions.open(user)
        audit(ws.home, user.name, "login", "console")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, user: Viewer) -> Response:
        token, _ = session_of(request)
        sessions.close(token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # -- API ---------------------------------------------------------------------
    @app.get("/api/v1/status")
    def api_status(user: Viewer) -> JSONResponse:
        return JSONResponse(jsonable_encoder(ws.status()))

    @app.get("/api/v1/overview")
    def api_overview(user: Viewer) -> JSONResponse:
        return JSONResponse(jsonable_encoder(overview(ws)))

    @app.get("/api/v1/events/{event_id}")
    def api_event(event_id: str, user: Viewer) -> JSONResponse:
        try:
            return JSONResponse(jsonable_encoder(get_event(ws, event_id)))
        except EventNotFound:
            raise HTTPException(404, f"no event {event_id}") from None

    return app
