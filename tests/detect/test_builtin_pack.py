"""The built-in rule pack: every rule fires on its positive events and stays quiet on its negatives.

Each rule file has a case file at the same path under ``builtin_cases/``: the log format
and native records. They are written as the real tools write them, ingested through the
real readers and scanned by the real detection run. The pack runs as shipped over one store
of every rule's positives and one of every negative; Sigma correlations there see only
their own cases because each correlation file's events are moved to a day of their own.
socpilot aggregations (periodic, first-seen, rare) judge a value against all the events
their rule matched, whenever they happened, so each gets stores holding only its own cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from socpilot.api import Workspace
from socpilot.detect.alerts import load_alerts
from socpilot.detect.attack import AttackTags
from socpilot.detect.loader import builtin_rules_dir
from socpilot.detect.run import compile_rules, detect
from socpilot.model.alert import Alert
from socpilot.model.event import event_id

CASES = Path(__file__).parent / "builtin_cases"
PACK = builtin_rules_dir()
RULE_FILES = sorted(p.relative_to(PACK).as_posix() for p in PACK.rglob("*.yml"))

# How each case format is written to disk (file suffix, source the reader gives its events).
_FORMATS = {
    "cloudtrail": (".json", "cloudtrail"),
    "okta": (".jsonl", "okta"),
    "entra": (".jsonl", "entra"),
    "zeek": (".log", "zeek"),
    "suricata": (".json", "suricata"),
    "windows": (".json", "windows"),
}


def _docs(rel: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((PACK / rel).read_text(encoding="utf-8")))


def _alerting_ids(rel: str) -> list[str]:
    """Ids of the rules in a file that raise alerts: its correlations if it has any, else every rule."""
    docs = _docs(rel)
    correlations = [d["id"] for d in docs if "correlation" in d]
    return correlations or [d["id"] for d in docs]


def _isolated(rel: str) -> bool:
    """socpilot aggregations: their verdict depends on every event their rule matched."""
    return any("socpilot" in d for d in _docs(rel))


def _correlated(rel: str) -> bool:
    return any("correlation" in d for d in _docs(rel))


# The time fields of each case format, as paths into the record.
_TIME_FIELDS = {
    "cloudtrail": [("eventTime",)], "okta": [("published",)], "zeek": [("ts",)], "suricata": [("timestamp",)],
    "windows": [("@timestamp",)], "entra": [("time",), ("properties", "createdDateTime")],
}


def _on_own_day(fmt: str, records: list[dict[str, Any]], days: int) -> list[dict[str, Any]]:
    """The records moved ``days`` later, their timestamps otherwise written as before."""
    moved = []
    for record in records:
        record = orjson.loads(orjson.dumps(record))
        for path in _TIME_FIELDS[fmt]:
            holder = record
            for key in path[:-1]:
                holder = holder[key]
            text = holder[path[-1]]
            holder[path[-1]] = (date.fromisoformat(text[:10]) + timedelta(days=days)).isoformat() + text[10:]
        moved.append(record)
    return moved


def _case(rel: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / rel).read_text(encoding="utf-8"))


def _write(fmt: str, records: list[dict[str, Any]], path: Path) -> list[str]:
    """Write records in their native format; return the event ids the readers will give them."""
    suffix, source = _FORMATS[fmt]
    path = path.with_suffix(suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "cloudtrail":  # a CloudTrail delivery file: {"Records": [...]}
        path.write_bytes(orjson.dumps({"Records": records}))
        raws = [orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode() for r in records]
    else:  # JSON lines: the line is the raw record
        raws = [orjson.dumps(r).decode() for r in records]
        path.write_text("\n".join(raws) + "\n", encoding="utf-8")
    return [event_id(source, raw) for raw in raws]


def _alerts_by_rule(home: Path, inputs: list[Path], rule_paths: list[Path] | None) -> dict[str, list[Alert]]:
    """Ingest the inputs, run detection (the shipped pack, or only ``rule_paths``), return alerts per rule id."""
    ws = Workspace.open(home)
    report = ws.ingest(inputs, workers=1)
    assert report.quarantined == 0
    compiled = compile_rules(rule_paths or [], include_builtin=rule_paths is None)
    detect(ws.store, compiled=compiled)
    with ws.store.catalog(read_only=True) as con:
        alerts = load_alerts(con)
    by_rule: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_rule[alert.rule_id].append(alert)
    return by_rule


def _evidence(alerts: list[Alert]) -> set[str]:
    return {eid for alert in alerts for eid in alert.event_ids}


Shared = dict[str, tuple[dict[str, list[Alert]], dict[str, list[str]]]]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Shared:
    """Per polarity: the pack's alerts over every case but the isolated ones, and each file's event ids."""
    out: Shared = {}
    for polarity in ("positive", "negative"):
        root = tmp_path_factory.mktemp(polarity)
        ids: dict[str, list[str]] = {}
        inputs = []
        for n, rel in enumerate(RULE_FILES):
            if _isolated(rel):
                continue
            case = _case(rel)
            records = _on_own_day(case["format"], case[polarity], 30 * (n + 1)) if _correlated(rel) else case[polarity]
            path = root / "logs" / rel.replace("/", "__")
            ids[rel] = _write(case["format"], records, path)
            inputs.append(path.with_suffix(_FORMATS[case["format"]][0]))
        out[polarity] = (_alerts_by_rule(root / "home", inputs, None), ids)
    return out


def test_pack_has_at_least_forty_rules_that_all_compile() -> None:
    compiled = compile_rules([], include_builtin=True)
    assert compiled.unsupported == []
    alerting = {rid for rel in RULE_FILES for rid in _alerting_ids(rel)}
    assert len(alerting) >= 40
    assert {r.meta.origin for r in compiled.rules} == {"builtin"}


@pytest.mark.parametrize("rel", RULE_FILES)
def test_rule_is_documented_with_attack_technique_and_false_positives(rel: str) -> None:
    for doc in _docs(rel):
        for key in ("id", "title", "level", "author", "description", "falsepositives"):
            assert doc.get(key), f"{rel}: {doc.get('title')} has no {key}"
        assert doc["level"] in ("informational", "low", "medium", "high", "critical")
        assert any(t.startswith("attack.t") and t[8:12].isdigit() for t in doc["tags"]), f"{rel}: no technique tag"


def test_correlations_live_with_their_base_rules() -> None:
    """One file per detection idea: its case file then covers the base rules and the correlation together."""
    for rel in RULE_FILES:
        docs = _docs(rel)
        names = {key for d in docs for key in (d.get("name"), d["id"]) if key}
        for doc in docs:
            if "correlation" in doc:
                assert set(doc["correlation"]["rules"]) <= names, rel


def test_attack_tags_are_attack_v18_techniques_and_their_tactics() -> None:
    kb = AttackTags().kb
    for rel in RULE_FILES:
        for doc in _docs(rel):
            tags = [t.split(".", 1)[1] for t in doc["tags"] if t.startswith("attack.")]
            techniques = [kb.technique(t.upper()) for t in tags if t[0] == "t" and t[1:5].isdigit()]
            assert None not in techniques, f"{rel}: unknown technique in {tags}"
            for name in (t for t in tags if not (t[0] == "t" and t[1:5].isdigit())):
                tactic = kb.tactic(name)
                assert tactic is not None and any(tactic.shortname in tech.tactics for tech in techniques), (rel, name)


def test_every_rule_file_has_positive_and_negative_cases() -> None:
    case_files = sorted(p.relative_to(CASES).as_posix() for p in CASES.rglob("*.yml"))
    assert case_files == RULE_FILES
    for rel in RULE_FILES:
        case = _case(rel)
        assert case["format"] in _FORMATS
        assert case["positive"] and case["negative"], rel


@pytest.mark.parametrize("rel", RULE_FILES)
def test_rule_fires_on_its_positives_and_not_on_its_negatives(rel: str, shared: Shared,
                                                              tmp_path: Path) -> None:
    wanted = _alerting_ids(rel)
    if _isolated(rel):
        case = _case(rel)
        found = {}
        for polarity in ("positive", "negative"):
            path = tmp_path / polarity / "logs" / "events"
            _write(case["format"], case[polarity], path)
            found[polarity] = _alerts_by_rule(tmp_path / polarity / "home",
                                              [path.with_suffix(_FORMATS[case["format"]][0])], [PACK / rel])
        for rid in wanted:
            assert found["positive"].get(rid), f"{rel}: {rid} did not fire on its positives"
            # raised by the aggregation, which names the group or value it judged
            assert all(alert.group_key for alert in found["positive"][rid])
            assert not found["negative"].get(rid), f"{rel}: {rid} fired on its negatives"
        return
    positive_alerts, positive_ids = shared["positive"]
    negative_alerts, negative_ids = shared["negative"]
    for rid in wanted:
        fired = _evidence(positive_alerts.get(rid, []))
        if _correlated(rel):  # the window that satisfies the condition, within this rule's own cases
            assert fired and fired <= set(positive_ids[rel]), f"{rel}: did not fire on its own positives"
        else:  # each positive event is evidence of this rule, whatever the other rules' cases
            assert set(positive_ids[rel]) <= fired, f"{rel}: missed positives"
        # another rule's negative may be this one's positive (a spray's one-user burst is brute force)
        assert not _evidence(negative_alerts.get(rid, [])) & set(negative_ids[rel]), f"{rel}: fired on its negatives"


# Panther's rule tests (panther-labs/panther-analysis) for rules that mean what one of ours
# means: Panther rule id -> our rule file. Their positives must all fire ours, their negatives not.
PANTHER = {
    "cloud/cloudtrail/panther_aws_cloudtrail.jsonl": ("cloudtrail", {
        "AWS.Console.LoginWithoutMFA": "cloud/aws_console_login_without_mfa.yml",
        "AWS.CloudTrail.Stopped": "cloud/aws_cloudtrail_logging_stopped.yml",
        "AWS.Root.Activity": "cloud/aws_root_account_used.yml",
        "AWS.Console.RootLogin": "cloud/aws_root_account_used.yml",
        "AWS.S3.DeletePublicAccessBlock": "cloud/aws_s3_public_access_block_removed.yml",
        "AWS.IAM.AttachAdminUserPolicy": "cloud/aws_admin_policy_attached.yml",
        "AWS.IAM.AttachAdminRolePolicy": "cloud/aws_admin_policy_attached.yml",
        "AWS.IAM.Backdoor.User.Keys": "cloud/aws_access_key_created_for_other_user.yml",
        "AWS.ConfigService.DisabledDeleted": "cloud/aws_security_monitoring_disabled.yml",
        "AWS.VPCFlow.LogsDeleted": "cloud/aws_security_monitoring_disabled.yml",
        "AWS.User.Login.Profile.Modified": "cloud/aws_console_password_set_for_other_user.yml",
    }),
    "identity/okta/panther_okta_systemlog.jsonl": ("okta", {
        "Okta.AdminRoleAssigned": "identity/okta_admin_privilege_granted.yml",
        "Okta.APIKeyCreated": "identity/okta_api_token_created.yml",
        "Okta.Support.Access": "identity/okta_impersonation_granted.yml",
        "Okta.User.MFA.Reset.All": "identity/okta_mfa_factor_reset.yml",
        "Okta.User.MFA.Factor.Suspend": "identity/okta_mfa_factor_reset.yml",
        "Okta.User.MFA.Reset.Single": "identity/okta_mfa_factor_reset.yml",
        "Okta.Global.MFA.Disabled": "identity/okta_policy_weakened.yml",
        "Okta.User.Reported.Suspicious.Activity": "identity/okta_user_reported_suspicious.yml",
    }),
    "identity/azure/panther_azure_audit.jsonl": ("entra", {
        "Azure.Audit.HighRiskSignIn": "identity/entra_risky_signin.yml",
    }),
}
# Panther tests whose expectation rests on more than the event, with the reason.
PANTHER_SKIPPED = {
    ("AWS.Console.LoginWithoutMFA", "No MFA Login - New User"):
        "Panther suppresses users created in the last hour through a mocked key-value store",
    ("Okta.User.MFA.Factor.Suspend", "Other Event"):
        "a reset of all factors: Panther's Okta.User.MFA.Reset.All, which our rule covers too",
}


def _panther_cases(data: Path) -> list[tuple[str, str, str, dict[str, Any], bool]]:
    """(format, Panther rule id, our rule file, log, expected) for every mapped Panther test."""
    cases = []
    for name, (fmt, mapping) in PANTHER.items():
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            test = orjson.loads(line)
            if test["rule_id"] in mapping and (test["rule_id"], test["test_name"]) not in PANTHER_SKIPPED:
                cases.append((fmt, test["rule_id"], mapping[test["rule_id"]], test["log"], test["expected_result"]))
    return cases


@pytest.fixture(scope="module")
def panther(data: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Callable[[bool], tuple[dict[str, list[Alert]], dict[str, set[str]]]]:
    """Per expectation: the pack's alerts over the mapped Panther tests, and our rule file -> their event ids."""
    cases = _panther_cases(data)
    runs = {}
    for expected in (True, False):
        root = tmp_path_factory.mktemp(f"panther-{expected}")
        by_rule: dict[str, set[str]] = defaultdict(set)
        inputs = []
        for n, (fmt, _, rel, log, want) in enumerate(cases):
            if want is not expected:
                continue
            path = root / "logs" / f"{n:03d}"  # one input per test: equal Panther logs keep equal ids
            by_rule[rel].update(_write(fmt, [log], path))
            inputs.append(path.with_suffix(_FORMATS[fmt][0]))
        runs[expected] = (_alerts_by_rule(root / "home", inputs, None), by_rule)
    return runs.__getitem__


@pytest.mark.parametrize("rel", sorted({rel for _, mapping in PANTHER.values() for rel in mapping.values()}))
def test_rule_agrees_with_panther_tests_of_the_same_intent(rel: str, panther: Callable[[bool], Any]) -> None:
    (rid,) = _alerting_ids(rel)
    fired, positives = panther(True)
    assert positives[rel] and positives[rel] <= _evidence(fired.get(rid, []))
    quiet, negatives = panther(False)
    assert not negatives[rel] & _evidence(quiet.get(rid, []))
