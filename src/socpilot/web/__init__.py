"""The analyst console: HTML pages and the ``/api/v1`` JSON API over the same Python API."""

from typing import Any


def __getattr__(name: str) -> Any:
    # The console pulls in the web stack; the CLI imports this package for ``serve`` only when asked.
    if name == "create_app":
        from socpilot.web.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
