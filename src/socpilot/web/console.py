"""What every console route needs: the workspace, the templates, who is asking and what they may do."""

import secrets
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from socpilot.api import Workspace
from socpilot.web.audit import audit
from socpilot.web.security import SESSION_COOKIE, Session, Sessions
from socpilot.web.users import Role, User, UserStore

HERE = Path(__file__).parent
LOCAL_USER = User("local", "admin")
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
NAV = [("/", "Overview"), ("/incidents", "Incidents"), ("/hunt", "Hunt"), ("/ask", "Ask"),
       ("/coverage", "ATT&CK coverage")]


class LoginRequired(Exception):
    pass


class Console:
    def __init__(self, ws: Workspace, auth: bool) -> None:
        self.ws = ws
        self.auth = auth
        self.users = UserStore(ws.home)
        self.sessions = Sessions()
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    def session_of(self, request: Request) -> tuple[str | None, Session | None]:
        token = request.cookies.get(SESSION_COOKIE)
        return token, self.sessions.get(token)

    async def current(self, request: Request) -> User:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            user = self.users.verify_token(header[7:].strip())
            if user is None:
                raise HTTPException(401, "invalid API token")
            return user
        _, session = self.session_of(request)
        if session is None:
            if not self.auth:
                if request.method in _UNSAFE:
                    # even the local analyst changes state only from a page the console served
                    raise HTTPException(403, "missing or wrong CSRF token")
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

    def need(self, role: Role):  # type: ignore[no-untyped-def]
        async def check(request: Request) -> User:
            user = await self.current(request)
            if not user.can(role):
                raise HTTPException(403, f"this needs the {role} role; you are {user.role}")
            return user

        return Depends(check)

    def page(self, request: Request, name: str, user: User, status_code: int = 200, **context: Any) -> HTMLResponse:
        token, session = self.session_of(request)
        fresh = session is None and not self.auth
        if fresh:
            # The local analyst gets a session too, so CSRF protection works the same way.
            token, session = self.sessions.open(LOCAL_USER)
        response = self.templates.TemplateResponse(
            request, name, {"user": user, "csrf": session.csrf if session else "", "auth": self.auth, "nav": NAV,
                            **context}, status_code=status_code)
        if fresh:
            response.set_cookie(SESSION_COOKIE, token or "", httponly=True, samesite="strict")
        return response

    def audit(self, user: User, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        audit(self.ws.home, user.name, action, target, detail)


