"""The ATT&CK v18.1 knowledge base: techniques, tactics, links and id translation."""

from __future__ import annotations

from socpilot.attack.knowledge import clean_text, load, parent_of


def test_technique_carries_name_tactics_parent_and_linked_knowledge() -> None:
    tech = load().technique("t1003.001")
    assert tech is not None
    assert (tech.id, tech.name, tech.parent) == ("T1003.001", "LSASS Memory", "T1003")
    assert tech.tactics == ("credential-access",)
    assert tech.is_subtechnique and tech.active
    assert "Process Access" in tech.data_components
    assert any("LSASS" in s for s in tech.detection_strategies)
    assert any(m.startswith("M1043 ") for m in tech.mitigations)
    assert any("Credential Guard" in note for note in tech.mitigation_notes)
    assert "Mimikatz" in tech.software
    assert tech.procedures and not any("(Citation:" in p for p in tech.procedures)


def test_tactics_are_in_kill_chain_order() -> None:
    names = [t.shortname for t in load().tactics()]
    assert names[0] == "reconnaissance" and names[-1] == "impact"
    assert names.index("initial-access") < names.index("execution") < names.index("persistence")
    assert len(names) == 14
    assert load().tactic("Credential Access").id == "TA0006"


def test_techniques_lists_only_active_ones() -> None:
    kb = load()
    active = kb.techniques()
    assert len(active) == 691
    ids = {t.id for t in active}
    assert "T1574.002" not in ids and "T1043" not in ids  # revoked, deprecated
    assert {"T1059", "T1059.001", "T1490"} <= ids
    assert [t.id for t in kb.subtechniques("T1059")][:2] == ["T1059.001", "T1059.002"]


def test_to_v18_maps_v19_ids_and_revoked_ids() -> None:
    kb = load()
    assert kb.to_v18("T1685") == "T1562.001"
    assert kb.to_v18("T1686") == "T1562.004"
    assert kb.to_v18("T1686.003") == "T1562.004"
    assert kb.to_v18("T1685.005") == "T1070.001"
    assert kb.to_v18("T1574.002") == "T1574.001"  # revoked-by
    assert kb.to_v18("T1086") == "T1059.001"
    assert kb.to_v18("t1059.001") == "T1059.001"  # active ids are kept
    assert kb.to_v18("T1043") == "T1043"  # deprecated: no replacement
    assert kb.to_v18("T9999") == "T9999"


def test_v19_table_lands_on_active_v18_techniques() -> None:
    kb = load()
    for v19 in ("T1685", "T1685.001", "T1685.002", "T1685.005", "T1685.006",
                "T1686", "T1686.001", "T1686.002", "T1686.003", "T1689"):
        assert kb.is_active(kb.to_v18(v19)), v19


def test_sigma_corpus_v18_labels_agree_with_to_v18(data) -> None:
    import orjson

    kb = load()
    checked = 0
    for line in (data / "attack-text" / "sigma-titles.jsonl").read_bytes().splitlines():
        row = orjson.loads(line)
        v19 = [t for t in row["techniques"] if t.startswith(("T1685", "T1686", "T1689"))]
        if len(v19) == 1 and len(row["techniques_v18"]) == 1:
            checked += 1
            # the table holds the majority pair; each single-id record must be one of the observed pairs
            assert parent_of(kb.to_v18(v19[0])) == parent_of(row["techniques_v18"][0])
    assert checked > 100


def test_clean_text_drops_citations_and_keeps_link_labels() -> None:
    raw = "[APT29](https://attack.mitre.org/groups/G0016) used [Mimikatz](https://x/S0002).(Citation: Report 2020)"
    assert clean_text(raw) == "APT29 used Mimikatz."
