"""Chart geometry computed on the server, drawn as inline SVG by the templates.

No chart library and nothing fetched: the page works offline, and every label is
passed to the template as data, where autoescaping keeps it inert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#64748b"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    max_total: int


def stacked_bars(rows: list[dict[str, Any]], x: str, stack: str, value: str,
                 width: int = 720, height: int = 180) -> StackedBars:
    """Bars per ``x`` value, stacked by ``stack``, scaled to the tallest bar."""
    xs = sorted({str(r[x]) for r in rows})
    stacks = sorted({str(r[stack]) for r in rows})
    colors = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(stacks)}
    totals = {k: 0 for k in xs}
    for r in rows:
        totals[str(r[x])] += int(r[value])
    top = max(totals.values(), default=0) or 1
    slot = width / max(len(xs), 1)
    bar_w = max(slot * 0.7, 1.0)
    plot_h = height - 20
    bars: list[Bar] = []
    heights = {k: 0.0 for k in xs}
    for r in sorted(rows, key=lambda r: (str(r[x]), str(r[stack]))):
        key = str(r[x])
        h = plot_h * int(r[value]) / top
        i = xs.index(key)
        heights[key] += h
        bars.append(Bar(i * slot + (slot - bar_w) / 2, plot_h - heights[key], bar_w, h, colors[str(r[stack])],
                        f"{r[stack]} {key}: {int(r[value]):,}"))
    labels = [(i * slot + slot / 2, k[5:] if len(k) == 10 else k) for i, k in enumerate(xs)]
    return StackedBars(width, height, bars, labels, list(colors.items()), top)
