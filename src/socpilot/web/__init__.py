"""The analyst console: HTML pages and the ``/api/v1`` JSON API over the same Python API."""

from socpilot.web.app import create_app

__all__ = ["create_app"]
