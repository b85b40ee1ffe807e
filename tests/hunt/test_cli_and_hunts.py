"""socpilot ask / intel import / hunts over the demo, and the registration cache import."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from socpilot.cli import app
from socpilot.hunt.curated import curated_hunts
from socpilot.hunt.intel import import_file
from socpilot.hunt.parse import parse_question

runner = CliRunner()


def test_ask_json_gives_interpretation_query_sql_and_rows(demo) -> None:
    ws, manifest = demo
    c2 = manifest.facts["c2_domain"]
    result = runner.invoke(app, ["ask", f"which hosts talked to {c2}", "--json", "--as", "kql", "--home", str(ws.home)])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["interpretation"].startswith("Hosts")
    assert doc["query"]["filters"] == [{"field": "domain", "op": "subdomain", "value": c2}]
    assert "?" in doc["sql"] and c2 not in doc["sql"] and c2 in doc["params"]
    assert f'"{c2}"' in doc["kql"]
    hosts = {r["host"].split(".")[0].lower() for r in doc["rows"]}
    assert manifest.facts["victim_host"].lower() in hosts or manifest.facts["victim_ip"] in hosts


def test_ask_prints_a_clarifying_question_and_exits_non_zero(demo) -> None:
    ws, _ = demo
    result = runner.invoke(app, ["ask", "alerts on host QQQ-77", "--home", str(ws.home)])
    assert result.exit_code == 2
    assert "There is no host named 'QQQ-77'" in result.stdout


def test_curated_hunts_build_and_run_by_name(demo) -> None:
    ws, manifest = demo
    assert len(curated_hunts()) >= 6
    result = runner.invoke(app, ["hunts", "run", "script-then-beacon", "--param", "minutes=30", "--json",
                                 "--home", str(ws.home)])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["query"]["sequence"]["within_minutes"] == 30
    assert {r["host"].split(".")[0] for r in doc["rows"]} >= {manifest.facts["victim_host"].lower()}


def test_curated_hunt_questions_parse_to_their_own_query() -> None:
    # each hunt's example question is a phrasing socpilot understands as that hunt (or a narrower one)
    hunt = curated_hunts()["newly-registered-domains"]
    parsed = parse_question(hunt.question)
    assert parsed.query is not None
    assert parsed.query.returns == hunt.build().returns
    assert [e.kind for e in parsed.query.enrich] == ["registered"]


def test_curated_hunt_rejects_unknown_parameters() -> None:
    with pytest.raises(ValueError, match="unknown parameter"):
        curated_hunts()["lsass-memory-access"].build({"host": "x"})


def test_registration_cache_imports_csv_and_json_and_skips_bad_rows(tmp_path: Path) -> None:
    csv_file = tmp_path / "domains.csv"
    csv_file.write_text("Domain,Creation_Date,Registrar\nEvil.COM.,2026-11-20,NameCheap\n,2026-01-01,x\n"
                        "bad-date.net,not a date,x\n", encoding="utf-8")
    json_file = tmp_path / "more.json"
    json_file.write_bytes(orjson.dumps([{"domain": "other.org", "created": "2026-11-21T10:00:00Z"},
                                        {"domain": "evil.com", "created": "2026-11-19"}]))
    first = import_file(tmp_path, csv_file)
    assert (first.imported, first.skipped, first.total) == (1, 2, 1)
    second = import_file(tmp_path, json_file)
    assert (second.imported, second.total) == (2, 2)
    import pyarrow.parquet as pq
    rows = {r["domain"]: r["created"].date().isoformat() for r in pq.read_table(second.path).to_pylist()}
    assert rows == {"evil.com": "2026-11-19", "other.org": "2026-11-21"}


def test_intel_import_refuses_a_file_that_is_not_a_registration_list(tmp_path: Path) -> None:
    other = tmp_path / "assets.csv"
    other.write_text("hostname,ip\nws-01,10.0.0.1\n", encoding="utf-8")
    result = runner.invoke(app, ["intel", "import", str(other), "--home", str(tmp_path / "home")])
    assert result.exit_code == 1
    assert "not a domain-registration list" in " ".join(result.stdout.split())


def test_ask_prints_interpretation_sql_parameters_and_rendering(demo) -> None:
    ws, manifest = demo
    result = runner.invoke(app, ["ask", f"which hosts connected to {manifest.facts['c2_ip']}", "--show-sql",
                                 "--as", "esql", "--home", str(ws.home)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert text.startswith("Interpretation: Hosts")
    assert "SQL: SELECT" in text and f"'{manifest.facts['c2_ip']}'" in text.split("parameters:", 1)[1]
    assert f'TO_LOWER(destination.ip) == "{manifest.facts["c2_ip"]}"' in text
