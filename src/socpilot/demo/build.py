"""``generate``: the whole demo data set in one call (organisation, scenario, background, side files)."""

from __future__ import annotations

import calendar
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from socpilot.demo.data import load
from socpilot.demo.days import SOURCES, run_days, start_of
from socpilot.demo.formats import cloudtrail as ct
from socpilot.demo.inventory import write_assets, write_domains, write_identities
from socpilot.demo.manifest import DemoManifest
from socpilot.demo.org import Org, build_org
from socpilot.demo.phish import build_email
from socpilot.demo.scenario import Scripted, attack_day, build_attack, build_weaknesses
from socpilot.demo.sinks import cloudtrail_path, okta_path, suricata_path, windows_path, zeek_path
from socpilot.model.event import event_id

DEFAULT_HOSTS = 40
DEFAULT_DAYS = 7
DEFAULT_EVENTS = 300_000
DEFAULT_SEED = 7


def raw_of(e: Scripted) -> str:
    """The ``raw`` text a reader gives this record (socpilot's raw convention)."""
    return e.payload if isinstance(e.payload, str) else ct.raw_text(e.payload)


def generate(out_dir: str | Path, hosts: int = DEFAULT_HOSTS, days: int = DEFAULT_DAYS,
             events: int = DEFAULT_EVENTS, seed: int = DEFAULT_SEED, start: datetime | None = None,
             workers: int | None = None) -> DemoManifest:
    """Write the demo environment under ``out_dir`` (logs in ``out_dir/raw``, replaced) and describe it.

    ``events`` is the total number of log records across all sources, attack included.
    The same arguments (with ``start`` given) always produce byte-identical files.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    raw = out / "raw"
    if raw.exists():  # a previous run's logs (maybe another size or day) must not mix with these
        shutil.rmtree(raw)
    raw.mkdir(parents=True)
    days = max(1, days)
    first = start_of(start, days)
    org = build_org(hosts, seed)
    attack, ctx = build_attack(org, seed, first, days)
    planted = build_weaknesses(org, seed, first, days, ctx)
    scripted = sorted(attack + planted, key=lambda e: e.ts)
    background = max(0, events - len(scripted))
    results = run_days(raw, hosts, seed, first, days, background, scripted, workers)

    counts = dict.fromkeys(SOURCES, 0)
    files: dict[str, list[Path]] = {s: [] for s in SOURCES}
    for r in results:
        for s, n in r.written.items():
            counts[s] += n
        for s, paths in r.paths.items():
            files[s] += [raw / p for p in paths]

    truth = out / "ground_truth.jsonl"
    with open(truth, "wb") as f:
        for e in attack:
            f.write(orjson.dumps({
                "id": event_id(e.source, raw_of(e)), "stage": e.stage, "technique": e.technique, "source": e.source,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(e.ts))) + f".{int(e.ts % 1 * 1e6):06d}Z",
                "file": str(_file_of(org, seed, e)), "what": e.what,
            }) + b"\n")
    assets, identities, domains = out / "assets.csv", out / "identities.csv", out / "domain_registrations.csv"
    attack_date = first + timedelta(days=attack_day(first, days))
    write_assets(org, assets)
    write_identities(org, identities)
    write_domains(org, domains, attack_date)
    email = out / "mail" / f"{load('attack')['attachment'].rsplit('.', 1)[0]}.eml"
    email.parent.mkdir(exist_ok=True)
    stage1 = next(s for s in load("attack")["stages"] if s["stage"] == 1)
    h, m, sec = (int(x) for x in stage1["start"].split(":"))
    email.write_bytes(build_email(org, seed, attack_date + timedelta(hours=h, minutes=m, seconds=sec)))

    spec = load("attack")
    facts = {
        "company": org.company, "hosts": len(org.hosts), "users": len(org.users), "days": days,
        "first_day": first.strftime("%Y-%m-%d"), "attack_date": attack_date.strftime("%Y-%m-%d"),
        "victim": org.victim.sam, "victim_email": org.victim.email, "victim_host": org.victim_host.name,
        "victim_ip": org.victim_host.ip, "admin": org.admin.sam, "admin_account": org.admin_account,
        "lateral_target": org.lateral_target.name, "lateral_target_ip": org.lateral_target.ip,
        "c2_domain": spec["c2"]["domain"], "c2_ip": spec["c2"]["ip"], "attacker_ip": spec["attacker"]["ip"],
        "attacker_country": spec["attacker"]["location"]["country"], "target_bucket": org.target_bucket,
        "created_access_key": ctx["new_key_id"],
        "weaknesses": {"user_without_mfa": org.admin.email, "public_bucket": org.public_bucket,
                       "aws_key_in_command_line": org.backup_key_id,
                       "host_without_sysmon": org.no_sysmon_host.name},
        "stages": [{"stage": s["stage"], "name": s["name"], "tactic": s["tactic"],
                    "techniques": sorted({st["technique"] for st in s["steps"]})} for s in spec["stages"]],
    }
    return DemoManifest(out, raw, files, counts, len(attack), truth, assets, identities, domains, email,
                        time.perf_counter() - started, facts)


def _file_of(org: Org, seed: int, e: Scripted) -> Path:
    day_start = float(calendar.timegm(time.gmtime(int(e.ts))[:3] + (0, 0, 0)))
    if e.source == "windows":
        return windows_path(day_start, e.key)
    if e.source == "zeek":
        return zeek_path(day_start, e.key)
    if e.source == "suricata":
        return suricata_path(day_start)
    if e.source == "okta":
        return okta_path(day_start)
    return cloudtrail_path(org, seed, float(int(e.ts) // 3600 * 3600))
