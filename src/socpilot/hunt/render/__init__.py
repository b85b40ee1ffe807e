"""Renderings of a HuntQuery for the SIEM an analyst uses: KQL, SPL and ES|QL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from socpilot.hunt.query import HuntQuery
from socpilot.hunt.render.esql import render_esql
from socpilot.hunt.render.kql import render_kql
from socpilot.hunt.render.spl import render_spl

RENDERERS: dict[str, Callable[[HuntQuery, datetime], str]] = {
    "kql": render_kql, "spl": render_spl, "esql": render_esql}


def render(query: HuntQuery, target: str, now: datetime) -> str:
    """The query in ``target`` (kql, spl, esql)."""
    try:
        return RENDERERS[target](query, now)
    except KeyError:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(RENDERERS)}") from None
