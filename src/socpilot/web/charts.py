"""Chart geometry computed on the server, drawn as inline SVG by the templates.

No chart library and nothing fetched: the page works offline, and every label is
passed to the template as data, where autoescaping keeps it inert.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    kind: str
    label: str
    color: str


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    nodes: list[Node]
    edges: list[tuple[float, float, float, float]]


_KIND_COLOR = {"host": "#2563eb", "user": "#16a34a", "ip": "#64748b", "domain": "#d97706", "process": "#9333ea",
               "hash": "#be123c", "cloud_principal": "#0d9488", "access_key": "#b45309"}


def entity_graph(entities: list[tuple[str, str]], links: list[tuple[int, int]], width: int = 720,
                 height: int = 360) -> Graph:
    """Entities on a ring by kind (so kinds sit together), with the links between them."""
    order = sorted(range(len(entities)), key=lambda i: (entities[i][0], entities[i][1]))
    count = max(len(entities), 1)
    cx, cy, r = width / 2, height / 2, min(width, height) / 2 - 40
    places: dict[int, tuple[float, float]] = {}
    for slot, i in enumerate(order):
        angle = 2 * math.pi * slot / count - math.pi / 2
        places[i] = (cx + r * math.cos(angle), cy + r * math.sin(angle))
    nodes = [Node(*places[i], kind, label[:40], _KIND_COLOR.get(kind, "#475569"))
             for i, (kind, label) in enumerate(entities)]
    edges = [(*places[a], *places[b]) for a, b in links if a in places and b in places]
    return Graph(width, height, nodes, edges)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    color: str
    title: str
    href: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    marks: list[Mark]
    lanes: list[tuple[float, str]]
    start: str
    end: str


def timeline(entries: list[dict[str, Any]], width: int = 720, lane_height: int = 26) -> Timeline:
    """One lane per source, a mark per entry at its (aligned) time; marks link to their evidence."""
    lanes = sorted({str(e["source"]) for e in entries})
    times = [e["time"] for e in entries]
    first, last = (min(times), max(times)) if times else (None, None)
    span = (last - first).total_seconds() if first and last else 0.0
    left, right = 110, width - 10
    marks = []
    for e in entries:
        offset = (e["time"] - first).total_seconds() / span if span else 0.5
        lane = lanes.index(str(e["source"]))
        marks.append(Mark(left + offset * (right - left), 16 + lane * lane_height,
                          "#dc2626" if e["kind"] == "alert" else PALETTE[lane % len(PALETTE)], e["title"], e["href"]))
    return Timeline(width, 24 + len(lanes) * lane_height, marks,
                    [(16 + i * lane_height, name) for i, name in enumerate(lanes)],
                    f"{first:%Y-%m-%d %H:%M}" if first else "", f"{last:%Y-%m-%d %H:%M}" if last else "")
