"""``socpilot incidents``, ``show`` and ``triage`` over a correlated workspace."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from typer.testing import CliRunner

from socpilot.cli import app
from socpilot.correlate import correlate
from socpilot.detect import alerts as alert_store
from socpilot.model.ocsf import EventClass as C


def _correlated(workspace, put_events, b) -> str:
    ev = put_events([b.event("windows", b.t0, C.PROCESS, host_name="WS9", user_name="CORP\\ivan",
                             process_cmd="<b>vssadmin</b> delete shadows /all /quiet", process_name="vssadmin.exe")])
    correlate(workspace, [b.alert("vss", ev, "high", ["impact"], ["T1490"], title="Shadow copies deleted")])
    return str(workspace.home)


def test_incidents_json_lists_the_stored_incidents(workspace, put_events, b) -> None:
    home = _correlated(workspace, put_events, b)
    result = CliRunner().invoke(app, ["incidents", "--json", "--home", home])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["title"], row["status"], row["hosts"], row["tactics"]) == ("Impact on ws9", "new", ["ws9"], ["impact"])


def test_show_prints_each_format_and_triage_sets_the_status(workspace, put_events, b) -> None:
    home = _correlated(workspace, put_events, b)
    runner = CliRunner()
    case = json.loads(runner.invoke(app, ["incidents", "--json", "--home", home]).output)[0]["id"]
    text = runner.invoke(app, ["show", case, "--home", home])
    assert text.exit_code == 0 and "Shadow copies deleted" in text.output
    html = runner.invoke(app, ["show", case, "--format", "html", "--home", home])
    assert "&lt;b&gt;vssadmin&lt;/b&gt;" in html.output and "<b>vssadmin" not in html.output
    as_json = json.loads(runner.invoke(app, ["show", case, "-f", "json", "--home", home]).output)
    assert as_json["incident_id"] == case and as_json["sentences"][0]["event_ids"]

    assert runner.invoke(app, ["triage", case, "investigating", "--home", home]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["incidents", "--json", "--status", "investigating", "--home", home]).output)
    assert [r["id"] for r in listed] == [case]
    assert runner.invoke(app, ["triage", case, "done", "--home", home]).exit_code == 1


def test_unknown_ids_and_formats_fail_with_a_message(workspace, put_events, b) -> None:
    home = _correlated(workspace, put_events, b)
    runner = CliRunner()
    missing = runner.invoke(app, ["show", "inc-000000000000", "--home", home])
    assert missing.exit_code == 1 and "no incident" in missing.output
    assert runner.invoke(app, ["show", "inc-000000000000", "--format", "pdf", "--home", home]).exit_code == 2


def test_incident_tables_print_markup_in_log_values_as_text(workspace, put_events, b) -> None:
    ev = put_events([b.event("windows", b.t0, C.PROCESS, host_name="[red]WS1[/red]", process_cmd="x")])
    correlate(workspace, [b.alert("r", ev, "high", ["execution"])])
    out = CliRunner().invoke(app, ["incidents", "--home", str(workspace.home)], env={"COLUMNS": "240"}).output
    # However wide the terminal, the value is printed (folded if need be), never read as markup.
    assert "[red]ws1[/red]" in re.sub(r"[\s│┃]", "", out)


def test_correlate_reads_the_alerts_detection_stored(workspace, put_events, b) -> None:
    ev = put_events([b.event("windows", b.t0, C.PROCESS, host_name="WS2", process_cmd="whoami /all"),
                     b.event("windows", b.t0 + b.minutes(3), C.PROCESS, host_name="WS2", process_cmd="net group")])
    with workspace.store.catalog() as con:
        alert_store.ensure_tables(con)
        alert_store.save(con, [b.alert("who", ev[:1], tactics=["discovery"]), b.alert("net", ev[1:])],
                         datetime.now(UTC))
    result = CliRunner().invoke(app, ["correlate", "--json", "--home", str(workspace.home)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["alerts"], report["incidents"], report["top"][0]["alerts"]) == (2, 1, 2)
