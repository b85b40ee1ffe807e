"""Run every benchmark in bench/bench_*.py and write docs/benchmarks.md.

Benchmarks are not tests: they measure, print and record; they never fail a build.
Each module exposes ``run() -> list[dict]`` with rows of name, value, unit, target.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "benchmarks.md"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()}"


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    wanted = set(argv)
    sections: list[str] = []
    for path in sorted(HERE.glob("bench_*.py")):
        area = path.stem.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        print(f"== {area}", flush=True)
        started = time.perf_counter()
        try:
            rows = _load(path).run()
            error = None
        except Exception:  # a broken benchmark is reported, not fatal
            rows, error = [], traceback.format_exc(limit=3)
        took = time.perf_counter() - started
        lines = [f"## {area}", "", f"Ran {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, in {took:.1f} s.", ""]
        if error:
            lines += ["Failed:", "", "```", error.strip(), "```", ""]
        if rows:
            lines += ["| measure | value | unit | target | met |", "|---|---:|---|---|---|"]
            for row in rows:
                met = row.get("met")
                lines.append(f"| {row['name']} | {_fmt(row['value'])} | {row.get('unit', '')} | "
                             f"{row.get('target', '')} | {'' if met is None else ('yes' if met else 'no')} |")
                print(f"  {row['name']}: {_fmt(row['value'])} {row.get('unit', '')} (target {row.get('target', '-')})")
            lines.append("")
        sections.append("\n".join(lines))
    header = [
        "# socpilot benchmarks",
        "",
        f"Measured on {_machine()} by `make bench` (`make bench AREAS=\"detect web\"` reruns some; each section says when).",
        "Targets come from the issues; a timing is a measurement on this machine, never a test assertion.",
        "",
    ]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    if wanted and DOC.exists():
        # A partial run replaces only its own sections.
        kept = [s for s in DOC.read_text().split("\n## ")[1:] if s.split("\n", 1)[0] not in wanted]
        sections = ["## " + s.rstrip() + "\n" for s in kept] + sections
    DOC.write_text("\n".join(header) + "\n".join(sections))
    print(f"wrote {DOC}")
    return 0


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
