"""Sessions, CSRF and response headers for the console.

Sessions live in the server's memory (one process serves one analyst team's laptop
or box); each carries its own CSRF token, checked on every state change made with
the session cookie. API tokens (``Authorization: Bearer``) carry no cookie and so
need no CSRF token.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socpilot.web.users import User

SESSION_COOKIE = "socpilot_session"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


@dataclass
class Session:
    user: User
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


class Sessions:
    def __init__(self) -> None:
        self._by_token: dict[str, Session] = {}

    def open(self, user: User) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(user)
        self._by_token[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        return self._by_token.get(token) if token else None

    def close(self, token: str | None) -> None:
        if token:
            self._by_token.pop(token, None)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SecurityHeaders:
    """Adds the strict CSP and friends to every response, pages and API alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + _HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)
