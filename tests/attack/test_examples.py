"""Labelled examples: packaged from the public corpora, voting with their neighbours, shown as evidence."""

from __future__ import annotations

import gzip
import importlib.util
from importlib import resources
from pathlib import Path

from socpilot.attack.examples import Example, ExampleBank, read_examples
from socpilot.attack.knowledge import load
from socpilot.attack.mapper import example_bank, map_text
from socpilot.attack.text import terms

ROOT = Path(__file__).resolve().parents[2]


def _bank() -> ExampleBank:
    return example_bank()


def test_packaged_examples_carry_only_active_v18_techniques() -> None:
    kb = load()
    bank = _bank()
    assert len(bank.examples) == 1245 + 2637 + 9197  # every record of the three corpora has an active label
    assert all(e.techniques and all(kb.is_active(t) for t in e.techniques) for e in bank.examples)
    sources = {e.id.split(":")[0] for e in bank.examples}
    assert sources == {"splunk", "sigma", "tram"}


def test_sigma_examples_keep_author_and_rule_link_as_the_licence_asks() -> None:
    sigma = [e for e in _bank().examples if e.id.startswith("sigma:")]
    assert all(e.url.startswith("https://github.com/SigmaHQ/sigma/blob/") for e in sigma)
    assert sum(bool(e.author) for e in sigma) / len(sigma) > 0.99
    cited = next(e for e in sigma if e.author).cite(0.5)
    assert " by " in cited and "similarity 0.50" in cited


def test_packaged_examples_rebuild_byte_identical_from_the_shared_corpora(data: Path, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("attack_examples", ROOT / "scripts" / "attack_examples.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    folder = resources.files("socpilot.attack").joinpath("labelled")
    for corpus, name in script.CORPORA.items():
        rebuilt = tmp_path / f"{name}.jsonl.gz"
        script.write(script.examples(data / "attack-text" / f"{corpus}.jsonl"), rebuilt)
        assert rebuilt.read_bytes() == folder.joinpath(f"{name}.jsonl.gz").read_bytes(), name


def test_nearest_neighbours_vote_with_parents_and_the_best_technique_scores_one() -> None:
    bank = ExampleBank.build([
        Example("a", "Net user delete", "net.exe deleting a local user account", ("T1531",)),
        Example("b", "Net user deletion", "net1 user /delete of an account", ("T1531", "T1059.003")),
        Example("c", "Encoded PowerShell", "powershell -enc launched by winword", ("T1059.001",)),
    ])
    votes = bank.votes(terms("net user /delete removes the account"), k=2)
    assert votes["T1531"].weight == 1.0
    assert {e.id for e, _ in votes["T1531"].examples} == {"a", "b"}
    assert "T1059" in votes and votes["T1059"].weight < 1.0  # parent of b's sub-technique
    assert "T1059.001" not in votes  # c is not among the two nearest


def test_excluded_examples_do_not_vote() -> None:
    bank = ExampleBank.build([
        Example("a", "Net user delete", "net.exe deleting a local user account", ("T1531",)),
        Example("c", "Encoded PowerShell", "powershell -enc launched by winword user", ("T1059.001",)),
    ])
    query = terms("net.exe deleting a local user account")
    assert max(bank.votes(query).items(), key=lambda kv: kv[1].weight)[0] == "T1531"
    assert "T1531" not in bank.votes(query, exclude={"a"})


def test_read_examples_drops_labels_outside_the_active_set() -> None:
    lines = [b'{"id": "x", "name": "n", "description": "d", "techniques": ["T1086", "T1059.001"]}',
             b'{"id": "y", "name": "n", "description": "d", "techniques": ["T1086"]}', b""]
    found = read_examples(lines, active={"T1059.001"})
    assert [(e.id, e.techniques) for e in found] == [("x", ("T1059.001",))]


def test_mapping_names_the_neighbouring_examples_as_evidence() -> None:
    text = "rundll32.exe calling comsvcs.dll MiniDump on the lsass.exe process id"
    found = map_text(text, top=5)
    assert found[0].technique_id == "T1003.001"
    assert any(r.startswith("example: '") and "similarity" in r for r in found[0].evidence)
    alone = map_text(text, top=5, examples=False)
    assert all(not r.startswith("example:") for m in alone for r in m.evidence)


def test_an_example_left_out_no_longer_supports_its_own_text() -> None:
    bank = _bank()
    example = next(e for e in bank.examples if e.id.startswith("splunk:") and len(e.description) > 200)
    text = f"{example.name} {example.description}"
    kept = map_text(text, top=10)
    left_out = map_text(text, top=10, exclude_examples=(example.id,))
    assert any(example.id in r for m in kept for r in m.evidence)
    assert all(example.id not in r for m in left_out for r in m.evidence)


def test_packaged_files_are_gzipped_jsonl_sorted_by_id() -> None:
    folder = resources.files("socpilot.attack").joinpath("labelled")
    for name in ("splunk", "sigma", "tram"):
        ids = [e.id for e in read_examples(gzip.decompress(folder.joinpath(f"{name}.jsonl.gz").read_bytes())
                                           .splitlines())]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
