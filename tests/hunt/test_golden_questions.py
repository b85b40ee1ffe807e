"""Plain English -> HuntQuery on a fixed vocabulary of store names, for every question family."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from socpilot.hunt.parse import Known, parse_question

GOLDEN = yaml.safe_load((Path(__file__).parent / "golden_questions.yaml").read_text(encoding="utf-8"))
KNOWN = Known(
    hosts=frozenset({"FIN-LT013.corp.halcyonfreight.com", "FS01.corp.halcyonfreight.com",
                     "DC01.corp.halcyonfreight.com", "WS-01"}),
    users=frozenset({"alice", "bob", "carol", "sarah.whitfield", "daniel.okafor", "adm-dokafor",
                     "daniel.okafor@halcyonfreight.com"}),
)


def test_golden_set_covers_every_family_with_ten_phrasings() -> None:
    families = Counter(e["family"] for e in GOLDEN)
    assert len(GOLDEN) >= 200
    assert all(n >= 10 for n in families.values()), families


@pytest.mark.parametrize("case", GOLDEN, ids=[e["question"][:60] for e in GOLDEN])
def test_question_parses_to_expected_hunt_query(case: dict) -> None:
    result = parse_question(case["question"], KNOWN)
    assert result.clarification is None
    assert result.query is not None
    assert result.query.model_dump(mode="json", exclude_defaults=True) == case["query"]
    assert result.unparsed == case.get("unparsed", [])


def test_misspelt_host_is_read_as_the_closest_stored_name_and_noted() -> None:
    result = parse_question("alerts on host FIN-LT01 yesterday", KNOWN)
    assert result.query is not None
    assert result.query.filters[0].value == "FIN-LT013.corp.halcyonfreight.com"
    assert any("read as" in n for n in result.notes)


def test_unknown_host_asks_one_clarifying_question_with_choices() -> None:
    result = parse_question("alerts on host QQQ-77 yesterday", KNOWN)
    assert result.query is None
    assert result.clarification is not None
    assert result.clarification.slot == "host"
    assert result.clarification.choices[-1] == "search for 'QQQ-77' anyway"


def test_name_that_is_both_host_and_user_is_asked_about() -> None:
    known = Known(hosts=frozenset({"alice"}), users=frozenset({"alice"}))
    result = parse_question("what did alice do", known)
    assert result.clarification is not None
    assert result.clarification.choices == ["host alice", "user alice"]


def test_unmappable_question_names_what_it_could_not_read() -> None:
    result = parse_question("flibber the quux", KNOWN)
    assert result.query is None
    assert result.unparsed == ["flibber", "quux"]


def test_newly_registered_without_cache_falls_back_to_first_seen_and_says_so() -> None:
    result = parse_question("devices that talked to newly registered domains", KNOWN, registrations=False)
    assert result.query is not None
    assert [e.kind for e in result.query.enrich] == ["first_seen"]
    assert any("first seen in your environment" in n for n in result.notes)


def test_domain_absent_from_the_store_is_searched_and_noted_with_similar_names() -> None:
    known = Known(domains=frozenset({"hr-portal-halcyon.com", "cdn.example.net"}))
    absent = parse_question("which hosts talked to hr-portal-halcyon.co", known)
    assert absent.query is not None
    assert absent.notes == ["no stored event names hr-portal-halcyon.co; similar names in the data: "
                            "hr-portal-halcyon.com"]
    parent = parse_question("which hosts talked to example.net", known)
    assert parent.notes == []
