"""The demo generator: determinism, sizes, the scenario's stages and the planted weaknesses."""

from __future__ import annotations

import base64
import csv
import email
import gzip
import hashlib
import os
import re
import statistics
import subprocess
import sys
from datetime import date, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import orjson

from socpilot.demo import DemoManifest, generate
from socpilot.demo.formats import zeek as zeek_fmt
from socpilot.model.event import event_id


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(small_demo: DemoManifest, small_args: dict,
                                                                       tmp_path: Path):
    again = generate(tmp_path / "again", **small_args)  # type: ignore[arg-type]
    first, second = _digests(small_demo.out_dir), _digests(again.out_dir)
    assert len(first) > 40
    assert first == second
    other = generate(tmp_path / "other", **{**small_args, "seed": 12})  # type: ignore[arg-type]
    assert _digests(other.out_dir) != first


def test_parallel_days_write_the_same_bytes_as_one_worker(small_demo: DemoManifest, small_args: dict, tmp_path: Path):
    pooled = generate(tmp_path / "pooled", **small_args, workers=2)  # type: ignore[arg-type]
    assert _digests(pooled.raw_dir) == _digests(small_demo.raw_dir)


def test_the_requested_number_of_events_is_written_across_all_five_sources(small_demo: DemoManifest, small_args: dict):
    assert small_demo.events == small_args["events"]
    assert set(small_demo.counts) == {"windows", "zeek", "suricata", "cloudtrail", "okta"}
    assert all(n > 100 for n in small_demo.counts.values())
    # Windows is the bulk, as in a real SOC's intake.
    assert max(small_demo.counts, key=small_demo.counts.__getitem__) == "windows"
    lines = sum(len(p.read_bytes().splitlines()) for p in small_demo.files["windows"])
    assert lines == small_demo.counts["windows"]


def test_ground_truth_covers_seven_stages_with_their_techniques(small_demo: DemoManifest, truth: list[dict]):
    by_stage: dict[int, set[str]] = {}
    for t in truth:
        by_stage.setdefault(t["stage"], set()).add(t["technique"])
    assert sorted(by_stage) == [1, 2, 3, 4, 5, 6, 7]
    expected = {1: "T1566.001", 2: "T1059.001", 3: "T1071.001", 4: "T1003.001", 5: "T1021.002", 6: "T1078.004",
                7: "T1041"}
    for stage, technique in expected.items():
        assert technique in by_stage[stage]
    assert len({t["id"] for t in truth}) == len(truth) == small_demo.attack_events
    sources = {t["source"] for t in truth}
    assert sources == {"windows", "zeek", "suricata", "okta", "cloudtrail"}


def test_attack_happens_in_working_hours_of_the_last_weekday_in_stage_order(small_demo: DemoManifest, truth: list[dict]):
    times = [datetime.fromisoformat(t["time"].replace("Z", "+00:00")) for t in truth]
    days = {t.date() for t in times}
    # 2026-03-02 is a Monday: three days end on Wednesday 4 March.
    assert days == {date(2026, 3, 4)}
    assert all(8 <= t.hour < 18 for t in times)
    firsts = {}
    for t, when in zip(truth, times, strict=True):
        firsts.setdefault(t["stage"], when)
    assert [firsts[s] for s in range(1, 8)] == sorted(firsts[s] for s in range(1, 8))


def test_stager_is_real_base64_of_a_download_cradle_for_the_c2_domain(small_demo: DemoManifest, truth: list[dict]):
    stager = next(t for t in truth if t["technique"] == "T1059.001")
    lines = Path(small_demo.raw_dir, stager["file"]).read_text().splitlines()
    record = next(orjson.loads(line) for line in lines if '"EventID":1,' in line and "-enc " in line)
    assert record["ParentImage"].endswith("\\WINWORD.EXE")
    encoded = record["CommandLine"].split("-enc ", 1)[1]
    script = base64.b64decode(encoded).decode("utf-16-le")
    assert "DownloadString('https://hr-portal-halcyon.com/" in script
    assert "New-Object Net.WebClient" in script


def test_beacons_are_periodic_with_jitter(small_demo: DemoManifest, truth: list[dict]):
    ssl = sorted(datetime.fromisoformat(t["time"].replace("Z", "+00:00")) for t in truth
                 if t["stage"] == 3 and t["source"] == "zeek" and "beacon" in t["what"] and t["file"].endswith("ssl.log"))
    gaps = [(b - a).total_seconds() for a, b in zip(ssl, ssl[1:], strict=False)]
    assert len(gaps) > 50
    mean = sum(gaps) / len(gaps)
    assert 250 < mean < 290
    # Jitter, not a metronome, yet regular enough for beacon analytics (coefficient of variation ~0.1).
    cv = statistics.pstdev(gaps) / mean
    assert 0.05 < cv < 0.15
    assert min(gaps) < 240 and max(gaps) > 300


def test_c2_domain_was_registered_days_before_the_attack(small_demo: DemoManifest):
    rows = {r["domain"]: r for r in csv.DictReader(small_demo.domains.open())}
    c2 = rows[small_demo.facts["c2_domain"]]
    attack = date.fromisoformat(small_demo.facts["attack_date"])
    assert date.fromisoformat(c2["created"]) == attack - timedelta(days=4)
    assert date.fromisoformat(rows["google.com"]["created"]).year == 1997


def test_inventory_and_identities_describe_every_host_and_person(small_demo: DemoManifest, small_args: dict):
    assets = list(csv.DictReader(small_demo.assets.open()))
    assert [a["hostname"] for a in assets][:2] == ["DC01", "FS01"]
    assert len(assets) == small_args["hosts"]
    assert {"hostname", "ip", "mac", "os", "role", "owner", "criticality", "business_service"} <= set(assets[0])
    people = {r["user"]: r for r in csv.DictReader(small_demo.identities.open())}
    victim = people[small_demo.facts["victim"]]
    assert victim["department"] == "Finance" and victim["mfa_enrolled"] == "true"
    assert people["adm-dokafor"]["privileged"] == "true"
    workstation_owners = {a["owner"] for a in assets if a["role"] == "workstation"}
    assert workstation_owners <= set(people)


def test_planted_weaknesses_are_in_the_side_files_and_the_logs(small_demo: DemoManifest, small_args: dict):
    weak = small_demo.facts["weaknesses"]
    people = {r["email"]: r for r in csv.DictReader(small_demo.identities.open())}
    assert people[weak["user_without_mfa"]]["mfa_enrolled"] == "false"
    assets = {r["hostname"]: r for r in csv.DictReader(small_demo.assets.open())}
    assert assets[weak["host_without_sysmon"]]["sysmon"] == "no"
    no_sysmon = b"".join(p.read_bytes() for p in small_demo.files["windows"] if p.stem == weak["host_without_sysmon"])
    assert b'"Channel":"Security"' in no_sysmon and b"Sysmon" not in no_sysmon
    windows = b"".join(p.read_bytes() for p in small_demo.files["windows"])
    assert windows.count(f"AWS_ACCESS_KEY_ID={weak['aws_key_in_command_line']}".encode()) == small_args["days"]
    cloud = b"".join(gzip.decompress(p.read_bytes()) for p in small_demo.files["cloudtrail"])
    records = [r for blob in cloud.split(b'{"Records":')[1:] for r in orjson.loads(b'{"Records":' + blob)["Records"]]
    policies = [r for r in records if r["eventName"] == "PutBucketPolicy"]
    assert {r["requestParameters"]["bucketName"] for r in policies} == {weak["public_bucket"],
                                                                         small_demo.facts["target_bucket"]}
    assert all(r["requestParameters"]["bucketPolicy"]["Statement"][0]["Principal"] == "*" for r in policies)


def test_phishing_email_is_personal_and_carries_the_macro_document(small_demo: DemoManifest):
    msg = email.message_from_bytes(small_demo.email.read_bytes(), policy=default_policy)
    assert msg["To"] == "Sarah Whitfield <sarah.whitfield@halcyonfreight.com>"
    assert msg["From"].endswith("@hr-portal-halcyon.com>")
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Dear Sarah,")
    assert "Remote and Hybrid Working Policy" in body
    assert "Priya Natarajan" in body
    attachments = [part.get_filename() for part in msg.iter_attachments()]
    assert attachments == ["Remote_Working_Policy_2027.docm"]
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    assert sent.date().isoformat() == small_demo.facts["attack_date"] and sent.hour == 9


def test_zeek_logs_have_zeek_headers_and_one_value_per_field(small_demo: DemoManifest):
    for path in small_demo.files["zeek"]:
        text = path.read_text()
        lines = text.splitlines()
        log = path.stem
        assert lines[4] == f"#path\t{log}"
        fields = lines[6].split("\t")[1:]
        assert fields == list(zeek_fmt.LOGS[log][0])
        assert lines[-1].startswith("#close\t")
        for line in lines[8:-1]:
            assert len(line.split("\t")) == len(fields)
            assert re.fullmatch(r"\d{10}\.\d{6}", line.split("\t", 1)[0])


def test_background_process_trees_have_realistic_parents(small_demo: DemoManifest, truth: list[dict]):
    attack = {t["id"] for t in truth}
    parents: dict[str, set[str]] = {}
    renderer_parents: dict[str, set[str]] = {}
    for path in small_demo.files["windows"]:
        for line in path.read_text().splitlines():
            if '"EventID":1,' not in line or event_id("windows", line) in attack:
                continue
            rec = orjson.loads(line)
            image = rec["Image"].rsplit("\\", 1)[-1]
            parents.setdefault(image, set()).add(rec["ParentImage"].rsplit("\\", 1)[-1])
            if "--type=renderer" in rec["CommandLine"]:
                renderer_parents.setdefault(f"{path}:{image}", set()).add(rec["ParentProcessGuid"])
    assert parents["WINWORD.EXE"] == parents["EXCEL.EXE"] == parents["OUTLOOK.EXE"] == {"explorer.exe"}
    assert parents["chrome.exe"] == {"explorer.exe", "chrome.exe"}
    assert parents["svchost.exe"] == {"services.exe"}
    assert "WINWORD.EXE" not in parents.get("powershell.exe", set())  # only the attack does that
    # A day's renderers share one browser (or Teams) main process per host.
    assert renderer_parents and all(len(guids) == 1 for guids in renderer_parents.values())


def test_regenerating_into_the_same_folder_replaces_the_previous_logs(small_args: dict, tmp_path: Path):
    generate(tmp_path, **{**small_args, "days": 4, "events": 3000})
    again = generate(tmp_path, **{**small_args, "days": 2, "events": 3000})
    days = {p.name for p in (tmp_path / "raw" / "windows").iterdir()}
    assert days == {"2026-03-02", "2026-03-03"}
    assert sum(len(p.read_bytes().splitlines()) for p in again.files["windows"]) == again.counts["windows"]


def test_output_does_not_depend_on_python_hash_randomisation(small_demo: DemoManifest, small_args: dict,
                                                             tmp_path: Path):
    script = ("import sys, datetime; from socpilot.demo import generate; "
              f"generate(sys.argv[1], hosts={small_args['hosts']}, days={small_args['days']}, "
              f"events={small_args['events']}, seed={small_args['seed']}, "
              f"start=datetime.datetime.fromisoformat('{small_args['start'].isoformat()}'))")
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "other")], check=True, env=env, timeout=120)
    assert _digests(tmp_path / "other") == _digests(small_demo.out_dir)
