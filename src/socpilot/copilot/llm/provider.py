"""The provider contract: a system prompt, untrusted data kept apart, and a JSON schema to obey."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Provider(Protocol):
    name: str

    def complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> str:
        """One completion. With ``schema``, the provider constrains decoding to it where it can."""


class ScriptedProvider:
    """A provider whose replies are scripted: for tests, including one that obeys hostile text."""

    name = "scripted"

    def __init__(self, reply: Callable[[str, str, dict[str, Any] | None], str]) -> None:
        self._reply = reply
        self.calls: list[tuple[str, str]] = []

    def complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> str:
        self.calls.append((system, user))
        return self._reply(system, user, schema)
