"""Incident queue and incident pages, with the analyst's status changes, notes and verdicts."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from socpilot.copilot import list_actions
from socpilot.correlate import (
    EvidenceMissing,
    IncidentNotFound,
    incident,
    list_incidents,
    set_status,
    stored_alerts,
)
from socpilot.feedback import add_note, list_notes, list_verdicts, record_verdict
from socpilot.web.audit import read_audit
from socpilot.web.charts import entity_graph, timeline
from socpilot.web.console import Console
from socpilot.web.users import User

MAX_GRAPH_NODES = 40


class StatusChange(BaseModel):
    status: Literal["new", "investigating", "closed"]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class VerdictIn(BaseModel):
    verdict: Literal["true_positive", "benign", "false_positive"]
    reason: str = Field(min_length=1, max_length=2_000)


def queue(console: Console, status: str | None, severity: str | None, host: str | None, user: str | None,
          tactic: str | None) -> list[Any]:
    def keep(inc: Any) -> bool:
        return ((not status or inc.status == status) and (not severity or inc.severity == severity)
                and (not host or any(host.lower() in h.lower() for h in inc.hosts))
                and (not user or any(user.lower() in u.lower() for u in inc.users))
                and (not tactic or tactic in inc.tactics))
    return [i for i in list_incidents(console.ws) if keep(i)]


def _graph(console: Console, inc: Any) -> Any:
    entities: list[tuple[str, str]] = []
    index: dict[tuple[str, str], int] = {}
    links: set[tuple[int, int]] = set()
    wanted = set(inc.alert_ids)
    for alert in stored_alerts(console.ws):
        if alert.id not in wanted:
            continue
        ids = []
        for e in alert.entities:
            key = (e.kind, e.value)
            if key not in index and len(entities) < MAX_GRAPH_NODES:
                index[key] = len(entities)
                entities.append(key)
            if key in index:
                ids.append(index[key])
        links.update((a, b) for a in ids for b in ids if a < b)
    return entity_graph(entities, sorted(links))


def _timeline(doc: Any) -> Any:
    entries = [{"time": t.aligned_time, "source": t.source, "kind": t.kind, "title": t.summary,
                "href": f"/events/{t.event_id}" if t.event_id else f"#alert-{t.alert_id}"} for t in doc.timeline]
    return timeline(entries)


def incident_routes(console: Console) -> APIRouter:
    router = APIRouter()
    ws = console.ws
    Viewer = Annotated[User, console.need("viewer")]  # dependency aliases, read as types
    Analyst = Annotated[User, console.need("analyst")]

    def load(incident_id: str) -> Any:
        try:
            return incident(ws, incident_id)
        except IncidentNotFound:
            raise HTTPException(404, f"no incident {incident_id}") from None
        except EvidenceMissing as exc:
            raise HTTPException(409, str(exc)) from None

    def change_status(user: User, incident_id: str, status: str) -> Any:
        before = load(incident_id).status
        changed = set_status(ws, incident_id, status)
        console.audit(user, "incident-status", changed.id, {"from": before, "to": status})
        return changed

    @router.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
    def incidents_page(user: Viewer, request: Request, status: str | None = None, severity: str | None = None,
                       host: str | None = None, user_name: str | None = None, tactic: str | None = None) -> HTMLResponse:
        items = queue(console, status, severity, host, user_name, tactic)
        return console.page(request, "incidents.html", user, incidents=items,
                            filters={"status": status or "", "severity": severity or "", "host": host or "",
                                     "user_name": user_name or "", "tactic": tactic or ""})

    @router.get("/incidents/{incident_id}", response_class=HTMLResponse, include_in_schema=False)
    def incident_page(user: Viewer, request: Request, incident_id: str) -> HTMLResponse:
        try:
            doc = incident(ws, incident_id)
        except IncidentNotFound:
            return console.page(request, "missing.html", user, status_code=404, what=f"incident {incident_id}")
        except EvidenceMissing as exc:
            return console.page(request, "missing.html", user, status_code=409, what=f"evidence for it ({exc})")
        inc = next(i for i in list_incidents(ws) if i.id == doc.incident_id)
        history = [e for e in read_audit(ws.home, 2000) if e["target"] == doc.incident_id]
        return console.page(request, "incident.html", user, doc=doc, graph=_graph(console, inc),
                            chart=_timeline(doc), notes=list_notes(ws, doc.incident_id),
                            verdicts=list_verdicts(ws, "incident", doc.incident_id),
                            actions=list_actions(ws, doc.incident_id), history=history)

    @router.post("/incidents/{incident_id}/status", include_in_schema=False)
    def status_form(user: Analyst, incident_id: str, status: Annotated[str, Form()]) -> Response:
        if status not in ("new", "investigating", "closed"):
            raise HTTPException(422, "status is new, investigating or closed")
        changed = change_status(user, incident_id, status)
        return RedirectResponse(f"/incidents/{changed.id}", status_code=303)

    @router.post("/incidents/{incident_id}/notes", include_in_schema=False)
    def note_form(user: Analyst, incident_id: str, text: Annotated[str, Form()]) -> Response:
        doc = load(incident_id)
        add_note(ws, doc.incident_id, text, user.name)
        console.audit(user, "incident-note", doc.incident_id)
        return RedirectResponse(f"/incidents/{doc.incident_id}", status_code=303)

    @router.post("/incidents/{incident_id}/verdict", include_in_schema=False)
    def verdict_form(user: Analyst, incident_id: str, verdict: Annotated[str, Form()],
                     reason: Annotated[str, Form()]) -> Response:
        body = VerdictIn(verdict=verdict, reason=reason)  # type: ignore[arg-type]
        doc = load(incident_id)
        record_verdict(ws, "incident", doc.incident_id, body.verdict, user.name, body.reason)
        console.audit(user, "incident-verdict", doc.incident_id, {"verdict": body.verdict})
        return RedirectResponse(f"/incidents/{doc.incident_id}", status_code=303)

    @router.get("/api/v1/incidents")
    def api_incidents(user: Viewer, status: str | None = None, severity: str | None = None, host: str | None = None,
                      user_name: str | None = None, tactic: str | None = None) -> JSONResponse:
        return JSONResponse(jsonable_encoder(
            [i.model_dump(mode="json") for i in queue(console, status, severity, host, user_name, tactic)]))

    @router.get("/api/v1/incidents/{incident_id}")
    def api_incident(user: Viewer, incident_id: str) -> JSONResponse:
        return JSONResponse(jsonable_encoder(load(incident_id).model_dump(mode="json")))

    @router.post("/api/v1/incidents/{incident_id}/status")
    def api_status(user: Analyst, incident_id: str, body: StatusChange) -> JSONResponse:
        return JSONResponse(jsonable_encoder(change_status(user, incident_id, body.status).model_dump(mode="json")))

    @router.post("/api/v1/incidents/{incident_id}/notes")
    def api_note(user: Analyst, incident_id: str, body: NoteIn) -> JSONResponse:
        doc = load(incident_id)
        note = add_note(ws, doc.incident_id, body.text, user.name)
        console.audit(user, "incident-note", doc.incident_id)
        return JSONResponse(jsonable_encoder(note.model_dump(mode="json")))

    @router.post("/api/v1/incidents/{incident_id}/verdict")
    def api_verdict(user: Analyst, incident_id: str, body: VerdictIn) -> JSONResponse:
        doc = load(incident_id)
        entry = record_verdict(ws, "incident", doc.incident_id, body.verdict, user.name, body.reason)
        console.audit(user, "incident-verdict", doc.incident_id, {"verdict": body.verdict})
        return JSONResponse(jsonable_encoder(entry.model_dump(mode="json")))

    return router
