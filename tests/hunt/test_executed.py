"""Questions executed over the demo data; expected answers come from the generator's facts."""

from __future__ import annotations

import pytest

from socpilot.hunt.ask import ask

# (question template, answer column, fact(s) one of which must be among the answers)
CASES = [
    ("which hosts talked to {c2_domain}", "host", ("victim_host", "victim_ip")),
    ("show me devices that connected to {c2_domain}", "host", ("victim_host", "victim_ip")),
    ("which machines reached {c2_domain} yesterday", "host", ("victim_host", "victim_ip")),
    ("endpoints that beaconed to {c2_domain}", "host", ("victim_host", "victim_ip")),
    ("which hosts connected to {c2_ip}", "host", ("victim_host", "victim_ip")),
    ("boxes that talked to {c2_ip} yesterday", "host", ("victim_host", "victim_ip")),
    ("which computers contacted {c2_ip}", "host", ("victim_host", "victim_ip")),
    ("which hosts looked up {c2_domain}", "host", ("victim_host", "victim_ip")),
    ("dns lookups of {c2_domain}", "host_name", ("victim_host",)),
    ("who resolved {c2_domain}", "user", None),
    ("Show me devices that talked to newly registered domains this week", "host", ("victim_host", "victim_ip")),
    ("hosts that contacted domains registered in the last 10 days", "host", ("victim_host", "victim_ip")),
    ("which machines reached recently registered domains", "host", ("victim_host", "victim_ip")),
    ("devices that beaconed to newly registered domains yesterday", "host", ("victim_host", "victim_ip")),
    ("which domains registered in the last 30 days were contacted", "domain", ("c2_domain",)),
    ("newly registered domains looked up this week", "dns_query", ("c2_domain",)),
    ("which hosts ran powershell with -enc in the command line", "host", ("victim_host",)),
    ("encoded powershell commands", "host_name", ("victim_host",)),
    ("powershell spawned by winword", "host_name", ("victim_host",)),
    ("winword spawning powershell yesterday", "host_name", ("victim_host",)),
    ("which users ran powershell spawned by winword", "user", ("victim",)),
    ("which hosts ran nltest", "host", ("victim_host",)),
    ("which hosts ran whoami yesterday", "host", ("victim_host",)),
    ("who ran nltest", "user", ("victim",)),
    ("which hosts had comsvcs in the command line", "host", ("victim_host",)),
    ("which hosts had MiniDump in the command line", "host", ("victim_host",)),
    ("processes started by powershell.exe yesterday", "process", None),
    ("which hosts did {admin_account} log on to", "host", ("lateral_target",)),
    ("logons by user {admin_account}", "host_name", ("lateral_target",)),
    ("what did {admin_account} do yesterday", "host_name", ("lateral_target",)),
    ("who created an access key", "user", ("admin", "victim")),
    ("which users created access keys this week", "user", ("admin", "victim")),
    ("who made a bucket public", "user", ("admin", "victim")),
    ("which principals made buckets public yesterday", "user", ("admin", "victim")),
    ("which users did api calls from {attacker_ip}", "user", ("admin",)),
    ("sign-ins without MFA", "user_name", ("admin", "victim")),
    ("which users signed in without MFA yesterday", "user", ("admin", "victim")),
    ("where did the sign-ins without MFA come from", "src_ip", ("attacker_ip",)),
    ("top 5 countries for sign-ins", "country", ("attacker_country",)),
    ("what did user {victim} do yesterday", "user_name", ("victim",)),
    ("activity on host {victim_host} yesterday", "host_name", ("victim_host",)),
    ("hosts that ran powershell and then connected to {c2_domain} within 10 minutes", "host",
     ("victim_host", "victim_ip")),
    ("hosts where winword spawned powershell then looked up {c2_domain} within 30 minutes", "host", ("victim_host",)),
    ("hosts that ran whoami then ran nltest within 30 minutes", "host", ("victim_host",)),
    ("users that created an access key and then made a bucket public within 60 minutes", "user",
     ("admin", "victim")),
    ("rare processes seen on only one host", "process", None),
    ("which hosts ran rundll32", "host", ("victim_host",)),
    ("how many hosts ran nltest", "hosts", None),
    ("top talkers", "host", None),
    ("which hosts sent the most data to {c2_ip}", "host", ("victim_host", "victim_ip")),
    ("connections to port 443 from {victim_ip} yesterday", "src_ip", ("victim_ip",)),
    ("which users are privileged and signed in yesterday", "user", None),
    ("which devices talked to {c2_domain} yesterday", "host", ("victim_host", "victim_ip")),
    ("which workstations communicated with {c2_domain}", "host", ("victim_host", "victim_ip")),
    ("hosts that reached {c2_ip} this week", "host", ("victim_host", "victim_ip")),
    ("which boxes beaconed to {c2_ip}", "host", ("victim_host", "victim_ip")),
    ("which laptops contacted {c2_domain}", "host", ("victim_host", "victim_ip")),
    ("which hosts ran whoami", "host", ("victim_host",)),
    ("which hosts ran ipconfig yesterday", "host", ("victim_host",)),
    ("who ran whoami", "user", ("victim",)),
    ("which users created an access key yesterday", "user", ("admin", "victim")),
    ("which hosts did {admin_account} log on to yesterday", "host", ("lateral_target",)),
]


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
