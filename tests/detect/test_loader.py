"""Rule files are hostile input too: a broken one is reported with its reason, the others still load."""

from __future__ import annotations

from socpilot.detect.loader import load, ruleset_for
from socpilot.detect.run import compile_rules

GOOD = """\
title: Good rule
id: 22222222-2222-4222-8222-222222222222
status: test
author: tester
logsource: {product: okta, service: okta}
detection:
  selection: {eventType: user.session.start}
  condition: selection
level: low
"""


def test_broken_rule_files_are_reported_and_do_not_stop_the_others(tmp_path):
    (tmp_path / "good.yml").write_text(GOOD)
    (tmp_path / "not_yaml.yml").write_text("title: [unclosed\n  - : :")
    (tmp_path / "binary.yml").write_bytes(b"\xff\xfe\x00garbage\x00")
    (tmp_path / "no_condition.yml").write_text(GOOD.replace("  condition: selection\n", ""))
    (tmp_path / "bad_modifier.yml").write_text(GOOD.replace("eventType:", "eventType|nosuchmodifier:"))
    compiled = compile_rules([tmp_path], include_builtin=False)
    assert [r.meta.title for r in compiled.rules] == ["Good rule"]
    assert compiled.loaded == 5
    assert sorted(u.path.rsplit("/", 1)[1] for u in compiled.unsupported) == [
        "bad_modifier.yml", "binary.yml", "no_condition.yml", "not_yaml.yml"]
    assert all(u.reason for u in compiled.unsupported)


def test_sigmahq_rules_carry_the_drl_and_builtin_rules_our_licence(data):
    assert ruleset_for(data / "sigma" / "rules-sigmahq" / "rules" / "cloud").license == "DRL-1.1"
    builtin = load([], include_builtin=True)
    assert {f.ruleset.origin for f in builtin.files} == {"builtin"}
    assert {f.ruleset.license for f in builtin.files} == {"Apache-2.0"}
