"""ATT&CK coverage: tactics × techniques, coloured by the enabled rules and by the alerts that fired."""

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from socpilot.attack.knowledge import KnowledgeBase, load, parent_of
from socpilot.correlate import stored_alerts
from socpilot.detect.config import rule_folders
from socpilot.detect.coverage import coverage, navigator_layer
from socpilot.detect.loader import rule_files
from socpilot.detect.run import compile_rules
from socpilot.web.console import Console
from socpilot.web.users import User

FIRED_COLOR = "#f87171"  # the console's .cell.fired red, so the layer reads like the page

RuleKey = tuple[tuple[str, tuple[tuple[str, int], ...]], ...]


def rules_key(folders: Sequence[Path]) -> RuleKey:
    """Names a rule set by its files and their modification times, so an edited rule recompiles."""
    return tuple((str(f), tuple((str(p), p.stat().st_mtime_ns) for p in rule_files(f))) for f in folders)


@lru_cache(maxsize=8)
def _covered(key: RuleKey) -> tuple[dict[str, Any], ...]:
    # Compiling the rules is the slow part (seconds): once per rule set and process.
    return tuple(coverage(compile_rules([Path(folder) for folder, _ in key], include_builtin=True)))


def covered_techniques(folders: Sequence[Path]) -> list[dict[str, Any]]:
    """``detect.coverage`` rows for the built-in pack plus ``folders``, cached while their files are unchanged."""
    return list(_covered(rules_key(folders)))


def fired_techniques(kb: KnowledgeBase, alerts: Iterable[Any]) -> dict[str, int]:
    """Alerts per technique (ATT&CK v18.1 ids) over the stored alerts."""
    fired: dict[str, int] = {}
    for alert in alerts:
        for tid in dict.fromkeys(kb.to_v18(t) for t in alert.techniques):
            fired[tid] = fired.get(tid, 0) + 1
    return dict(sorted(fired.items()))


def _cell(kb: KnowledgeBase, tid: str, rows: dict[str, dict[str, Any]], fired: dict[str, int]) -> dict[str, Any]:
    """A parent technique with what covers it, itself or through its sub-techniques."""
    tech = kb.technique(tid)
    family = [t for t in rows if parent_of(t) == tid]
    titles = sorted({title for t in family for title in rows[t]["rule_titles"]})
    alerts = sum(n for t, n in fired.items() if parent_of(t) == tid)
    return {
        "id": tid, "name": tech.name if tech else tid, "subtechniques": len(kb.subtechniques(tid)),
        "covered": sorted(family), "rules": len(titles), "rule_titles": titles,
        "fired": sorted(t for t in fired if parent_of(t) == tid), "alerts": alerts,
        "state": "fired" if alerts else "covered" if family else "none",
    }


def coverage_matrix(kb: KnowledgeBase, rows: Sequence[dict[str, Any]], fired: dict[str, int]) -> dict[str, Any]:
    """Tactics in kill-chain order, each with its active parent techniques, and the totals."""
    by_tid = {r["technique"]: r for r in rows}
    parents = [t for t in kb.techniques() if not t.is_subtechnique]
    tactics = [
        {"id": tactic.id, "shortname": tactic.shortname, "name": tactic.name,
         "techniques": [_cell(kb, t.id, by_tid, fired) for t in parents if tactic.shortname in t.tactics]}
        for tactic in kb.tactics()
    ]
    known = {t.id for t in kb.techniques()}
    return {
        "attack_version": kb.version,
        "tactics": tactics,
        "covered": sorted(by_tid),
        "fired": fired,
        "outside_matrix": sorted(t for t in {*by_tid, *fired} if t not in known),
        "summary": {"techniques": len(parents), "covered": len({parent_of(t) for t in by_tid if t in known}),
                    "fired": len({parent_of(t) for t in fired if t in known}), "rules_techniques": len(by_tid)},
    }


def fired_layer(rows: Sequence[dict[str, Any]], fired: dict[str, int]) -> dict[str, Any]:
    """The coverage Navigator layer with the techniques that fired marked red and their alert counts."""
    layer = navigator_layer(list(rows))
    entries = {t["techniqueID"]: t for t in layer["techniques"]}
    for tid, n in fired.items():
        entry = entries.setdefault(tid, {"techniqueID": tid, "score": 0, "enabled": True, "comment": ""})
        entry.update(color=FIRED_COLOR, comment=f"{n} alert(s) fired; {entry['comment']}".rstrip("; "))
    layer["techniques"] = sorted(entries.values(), key=lambda t: t["techniqueID"])
    layer["legendItems"] = [{"label": "alerts fired", "color": FIRED_COLOR}]
    return layer


def coverage_routes(console: Console) -> APIRouter:
    router = APIRouter()
    ws = console.ws
    Viewer = Annotated[User, console.need("viewer")]  # a dependency alias, read as a type

    def current() -> tuple[list[dict[str, Any]], dict[str, int]]:
        kb = load()
        return covered_techniques(rule_folders(ws.home)), fired_techniques(kb, stored_alerts(ws))

    @router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
    def coverage_page(user: Viewer, request: Request) -> HTMLResponse:
        rows, fired = current()
        return console.page(request, "coverage.html", user, doc=coverage_matrix(load(), rows, fired))

    @router.get("/api/v1/coverage")
    def api_coverage(user: Viewer) -> JSONResponse:
        rows, fired = current()
        return JSONResponse(coverage_matrix(load(), rows, fired))

    @router.get("/api/v1/coverage/navigator")
    def api_navigator(user: Viewer) -> Response:
        rows, fired = current()
        return Response(orjson.dumps(fired_layer(rows, fired), option=orjson.OPT_INDENT_2),
                        media_type="application/json",
                        headers={"content-disposition": 'attachment; filename="socpilot-coverage-layer.json"'})

    return router
