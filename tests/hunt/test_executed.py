"""Questions executed over the demo data; expected answers come from the generator's facts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from socpilot.hunt.ask import ask

# (question template, answer column, fact(s) one of which must be among the answers)
CASES = [(c["question"], c["column"], tuple(c["facts"]) if c["facts"] else None)
         for c in yaml.safe_load((Path(__file__).parent / "executed_questions.yaml").read_text(encoding="utf-8"))]


def _expected(facts: dict, keys: tuple[str, ...]) -> set[str]:
    values = {str(facts[k]).lower() for k in keys}
    return values | {v.split("@")[0] for v in values}


@pytest.mark.parametrize(("template", "column", "keys"), CASES, ids=[c[0][:60] for c in CASES])
def test_question_over_demo_finds_ground_truth(demo, demo_session, demo_now, template: str, column: str,
                                               keys: tuple[str, ...] | None) -> None:
    ws, manifest = demo
    con, known = demo_session
    facts = manifest.facts
    answer = ask(ws, template.format(**facts), now=demo_now, con=con, known=known)
    assert answer.clarification is None, answer.clarification
    assert answer.interpretation and answer.query is not None
    assert answer.rows, (answer.interpretation, answer.sql)
    values = {str(r[column]).lower() for r in answer.rows if r.get(column) is not None}
    if keys is None:
        assert values
        return
    # a host may come back as its FQDN, a user as their e-mail address
    shorts = values | {v.split("@")[0] for v in values} | {v.split(".")[0] for v in values if not v[:1].isdigit()}
    assert _expected(facts, keys) & shorts, (answer.interpretation, sorted(values)[:10])


def test_count_questions_match_the_data(demo, demo_session, demo_now) -> None:
    ws, _ = demo
    answer = ask(ws, "how many hosts ran nltest", now=demo_now, con=demo_session[0], known=demo_session[1])
    assert answer.rows == [{"hosts": 1}]


def test_relative_range_without_data_says_what_the_data_covers(demo, demo_session, demo_now) -> None:
    ws, manifest = demo
    answer = ask(ws, f"which hosts talked to {manifest.facts['c2_domain']} in the last 2 hours", now=demo_now,
                 con=demo_session[0], known=demo_session[1])
    assert answer.rows == []
    assert any(manifest.facts["first_day"] in n for n in answer.notes)


def test_no_time_range_searches_everything_and_says_so(demo, demo_session, demo_now) -> None:
    ws, _ = demo
    answer = ask(ws, "which hosts ran nltest", now=demo_now, con=demo_session[0], known=demo_session[1])
    assert "all stored data" in answer.interpretation
