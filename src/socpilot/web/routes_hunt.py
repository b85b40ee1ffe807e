"""Hunting and asking: the question box, how it was understood, the queries, the rows, the exports."""

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from socpilot.copilot import investigate
from socpilot.hunt.ask import ask, run
from socpilot.hunt.curated import curated_hunts
from socpilot.hunt.query import HuntQuery
from socpilot.hunt.render import RENDERERS, render
from socpilot.web.console import Console
from socpilot.web.users import User

MAX_QUESTION = 2_000


def _renders(query: HuntQuery | None, now: datetime) -> dict[str, str]:
    if query is None:
        return {}
    return {target: render(query, target, now) for target in RENDERERS}


def _choices(result: Any) -> list[tuple[str, str]]:
    """Each clarifying choice as the question re-asked with that choice in place of the unclear word."""
    if result.clarification is None:
        return []
    said = result.clarification.value
    return [(c, result.question.replace(said, c, 1) if said else f"{result.question} {c}")
            for c in result.clarification.choices]


def _csv(result: Any) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=result.columns, extrasaction="ignore")
    writer.writeheader()
    for row in result.rows:
        # a cell starting with = + - @ would be a formula in a spreadsheet: log data is hostile
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    return out.getvalue()


def hunt_routes(console: Console) -> APIRouter:
    router = APIRouter()
    ws = console.ws
    Viewer = Annotated[User, console.need("viewer")]  # a dependency alias, read as a type

    def answer(q: str) -> Any:
        if len(q) > MAX_QUESTION:
            raise HTTPException(422, f"a question is at most {MAX_QUESTION} characters")
        return ask(ws, q)

    @router.get("/hunt", response_class=HTMLResponse, include_in_schema=False)
    def hunt_page(user: Viewer, request: Request, q: str = "") -> HTMLResponse:
        result = answer(q) if q.strip() else None
        now = datetime.now(UTC)
        return console.page(request, "hunt.html", user, q=q, result=result,
                            renders=_renders(result.query if result else None, now),
                            query_json=orjson.dumps(jsonable_encoder(result.query), option=orjson.OPT_INDENT_2).decode()
                            if result and result.query else "",
                            choices=_choices(result) if result else [], hunts=curated_hunts().values())

    @router.post("/hunt/query", response_class=HTMLResponse, include_in_schema=False)
    def edited_query(user: Viewer, request: Request, query: Annotated[str, Form()],
                     q: Annotated[str, Form()] = "") -> HTMLResponse:
        try:
            parsed = HuntQuery.model_validate_json(query)
        except ValidationError as exc:
            raise HTTPException(422, f"not a valid HuntQuery: {exc.errors()[:3]}") from None
        now = datetime.now(UTC)
        con = ws.connect()
        try:
            result = run(con, q or "(edited query)", parsed, now, ["query edited by hand"])
        finally:
            con.close()
        return console.page(request, "hunt.html", user, q=q, result=result, renders=_renders(parsed, now),
                            query_json=query, choices=[], hunts=curated_hunts().values())

    @router.get("/hunt.csv", include_in_schema=False)
    def hunt_csv(user: Viewer, q: str) -> Response:
        return Response(_csv(answer(q)), media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="socpilot-hunt.csv"'})

    @router.get("/api/v1/hunt")
    def api_hunt(user: Viewer, q: str) -> JSONResponse:
        return JSONResponse(jsonable_encoder(answer(q).model_dump(mode="json")))

    @router.get("/api/v1/hunts")
    def api_hunts(user: Viewer) -> JSONResponse:
        return JSONResponse(jsonable_encoder([h.model_dump(mode="json") for h in curated_hunts().values()]))

    @router.get("/ask", response_class=HTMLResponse, include_in_schema=False)
    def ask_page(user: Viewer, request: Request, q: str = "") -> HTMLResponse:
        if len(q) > MAX_QUESTION:
            raise HTTPException(422, f"a question is at most {MAX_QUESTION} characters")
        result = investigate(ws, q) if q.strip() else None
        return console.page(request, "ask.html", user, q=q, result=result)

    @router.get("/api/v1/ask")
    def api_ask(user: Viewer, q: str) -> JSONResponse:
        if len(q) > MAX_QUESTION:
            raise HTTPException(422, f"a question is at most {MAX_QUESTION} characters")
        return JSONResponse(jsonable_encoder(investigate(ws, q).model_dump(mode="json")))

    return router
