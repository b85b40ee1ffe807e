"""Evaluation: recall and micro-F1 at parent level, masking, and the ``socpilot eval attack`` command."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from socpilot.attack.evaluate import evaluate, mask, read_corpus
from socpilot.attack.mapper import Mapping
from socpilot.cli import app


def _write(path: Path, rows: list[object]) -> Path:
    lines = [r if isinstance(r, str) else orjson.dumps(r).decode() for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return _write(tmp_path / "small.jsonl", [
        {"id": "a", "name": "LSASS dump", "description": "procdump -ma lsass.exe", "techniques": ["T1003.001"]},
        {"id": "b", "name": "Shadow copies removed", "description": "vssadmin delete shadows /all /quiet",
         "techniques": ["T1490"]},
        # Sigma-style v19 id with its v18 translation: techniques_v18 wins.
        {"id": "c", "name": "Defender disabled", "description": "Set-MpPreference -DisableRealtimeMonitoring $true",
         "techniques": ["T1685"], "techniques_v18": ["T1562.001"]},
        # Gold is an unrelated technique: a guaranteed miss.
        {"id": "d", "name": "Odd", "description": "vssadmin delete shadows", "techniques": ["T1566.001"]},
        "not json at all",
        {"id": "e", "name": "no labels", "description": "text", "techniques": []},
        ["a", "list"],
    ])


def test_read_corpus_keeps_labelled_records_and_counts_the_rest(corpus: Path) -> None:
    records, skipped = read_corpus(corpus)
    assert [r.id for r in records] == ["a", "b", "c", "d"]
    assert skipped == 3
    assert records[0].gold == {"T1003"}
    assert records[2].gold == {"T1562"}
    assert "LSASS Memory" in records[0].names and "OS Credential Dumping" in records[0].names


def test_evaluate_counts_hits_at_parent_level(corpus: Path) -> None:
    records, skipped = read_corpus(corpus)
    report = evaluate(records, skipped=skipped)
    assert (report.records, report.top1, report.top3) == (4, 3, 3)
    assert report.top1_recall == 0.75 and report.top3_recall == 0.75
    assert report.gold == 4
    assert report.true_positives == 3
    assert 0 < report.micro_f1 <= 1




def test_micro_f1_from_a_fixed_mapper(tmp_path: Path) -> None:
    path = _write(tmp_path / "two.jsonl", [
        {"id": "x", "name": "n", "description": "d", "techniques": ["T1059.001", "T1105"]},
        {"id": "y", "name": "n", "description": "d", "techniques": ["T1490"]},
    ])
    records, _ = read_corpus(path)

    def mapper(text: str, top: int = 10, **_: object) -> list[Mapping]:
        return [Mapping("T1059.003", "Windows Command Shell", 2.0, ["test"]),
                Mapping("T1059.001", "PowerShell", 1.9, ["test"]),  # same parent: counted once
                Mapping("T1490", "Inhibit System Recovery", 1.7, ["test"]),
                Mapping("T1105", "Ingress Tool Transfer", 0.5, ["test"])]  # below the cutoff

    report = evaluate(records, mapper=mapper)
    # predicted parents per record: {T1059, T1490}; gold: {T1059, T1105} and {T1490}
    assert (report.true_positives, report.predicted, report.gold) == (2, 4, 3)
    assert report.precision == 0.5 and report.recall == pytest.approx(2 / 3)
    assert report.micro_f1 == pytest.approx(4 / 7)
    assert (report.top1, report.top3) == (1, 2)


def test_mask_strips_ids_and_gold_names_only() -> None:
    text = "T1059.001 PowerShell spawning powershell.exe via Command and Scripting Interpreter; see T1105"
    masked = mask(text, ["Command and Scripting Interpreter", "PowerShell"])
    assert "T1059" not in masked and "T1105" not in masked
    assert "PowerShell" not in masked and "Interpreter" not in masked
    assert "spawning" in masked and ".exe" in masked


def test_eval_command_reports_the_numbers_as_json(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "attack", "--data", str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert (doc["records"], doc["skipped"], doc["top1"], doc["top3"]) == (4, 3, 3, 3)
    assert doc["top3_recall"] == 0.75 and doc["masked"] is False


def test_eval_command_scores_without_examples_when_asked(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "attack", "--data", str(corpus), "--no-examples", "--json"])
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["examples"] is False and doc["records"] == 4
    table = CliRunner().invoke(app, ["eval", "attack", "--data", str(corpus), "--no-examples"])
    assert "(no examples)" in table.stdout


def test_a_record_that_is_a_packaged_example_is_scored_with_itself_left_out(data: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, ...]] = []

    def mapper(text: str, top: int = 10, examples: bool = True, exclude_examples: tuple[str, ...] = ()) -> list[Mapping]:
        seen.append(tuple(exclude_examples))
        return []

    records, _ = read_corpus(data / "attack-text" / "splunk-detections.jsonl")
    evaluate(records[:3], mapper=mapper)
    assert seen == [(r.id,) for r in records[:3]]


def test_eval_command_masked_and_table_output(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "attack", "--data", str(corpus), "--masked"])
    assert result.exit_code == 0, result.output
    assert "top-3 recall" in result.stdout and "(masked)" in result.stdout


def test_eval_command_rejects_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "attack", "--data", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0


def test_recall_floor_on_a_slice_of_the_real_corpora(data: Path) -> None:
    for name, floor in (("elastic-hunting", 0.65), ("splunk-detections", 0.6)):
        records, _ = read_corpus(data / "attack-text" / f"{name}.jsonl")
        report = evaluate(records[:100])
        assert report.top3_recall >= floor, (name, report.to_dict())
