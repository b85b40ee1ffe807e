"""The organisation: hosts, people, accounts. Built once from the seed, then read by every generator."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from socpilot.demo.data import load
from socpilot.demo.rng import stream


@dataclass(frozen=True)
class User:
    sam: str  # AD account name, first.last
    first: str
    last: str
    department: str
    title: str
    groups: tuple[str, ...]
    privileged: bool
    mfa_enrolled: bool
    manager: str
    email: str
    sid: str
    aws_user: str | None = None  # IAM user name, when the person has one

    @property
    def display(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Host:
    name: str
    fqdn: str
    ip: str
    mac: str
    os: str
    role: str  # workstation, domain_controller, file_server, ...
    owner: str  # a user's sam, or a team for servers
    criticality: str
    service: str
    sysmon: bool = True

    @property
    def is_server(self) -> bool:
        return self.role != "workstation"


@dataclass(frozen=True)
class Org:
    company: str
    email_domain: str
    ad_domain: str
    ad_fqdn: str
    aws_account: str
    aws_region: str
    okta_org: str
    country: str
    city: str
    egress_ip: str
    hosts: tuple[Host, ...]
    users: tuple[User, ...]
    victim: User
    admin: User
    admin_account: str  # the admin's separate privileged AD account
    hr: User
    victim_host: Host
    admin_host: Host
    lateral_target: Host
    dc: Host
    no_sysmon_host: Host
    buckets: tuple[str, ...]
    public_bucket: str  # made public by the business before the attack (a posture finding)
    target_bucket: str  # made public by the attacker
    backup_aws_user: str
    fleet_aws_user: str  # the on-prem fleet-tracking server's IAM user
    backup_key_id: str  # the access key written into a scheduled task's command line
    domain_sid: str
    aws_reporting_role: str
    okta_apps: tuple[dict[str, Any], ...]  # name, type, weight (how often staff open it)

    def user(self, sam: str) -> User:
        return next(u for u in self.users if u.sam == sam)


MIN_HOSTS = 8  # a DC, three servers, the victim's, the admin's, HR's laptops and one without Sysmon


def build_org(hosts: int, seed: int) -> Org:
    """The organisation for ``hosts`` machines (at least ``MIN_HOSTS``)."""
    spec = load("org")
    rng = stream(seed, "org")
    hosts = max(hosts, MIN_HOSTS)
    n_servers = min(len(spec["servers"]), max(3, hosts // 8))
    n_ws = hosts - 1 - n_servers
    domain_sid = f"S-1-5-21-{rng.randrange(10**9, 4 * 10**9)}-{rng.randrange(10**9, 4 * 10**9)}-{rng.randrange(10**9, 4 * 10**9)}"
    fqdn = spec["ad_fqdn"]
    email = spec["email_domain"]
    personas = spec["personas"]
    depts = spec["departments"]

    # Departments for each workstation owner: the victim in Finance, the admin in IT, the rest weighted.
    owner_depts = [personas["victim"]["department"], personas["admin"]["department"], personas["hr"]["department"]]
    owner_depts += rng.choices([d["name"] for d in depts], weights=[d["weight"] for d in depts], k=max(0, n_ws - 3))
    owner_depts = owner_depts[:n_ws]

    used: set[str] = set()
    people: list[dict[str, Any]] = []
    for i, dept in enumerate(owner_depts):
        persona = [personas["victim"], personas["admin"], personas["hr"]][i] if i < 3 else None
        if persona:
            first, last, title = persona["first"], persona["last"], persona["title"]
        else:
            while True:
                first, last = rng.choice(spec["first_names"]), rng.choice(spec["last_names"])
                if f"{first}.{last}".lower() not in used and (first, last) not in {
                        (p["first"], p["last"]) for p in personas.values() if "first" in p}:
                    break
            title = rng.choice(spec["titles"][dept])
        sam = f"{first}.{last}".lower()
        used.add(sam)
        people.append({"sam": sam, "first": first, "last": last, "department": dept, "title": title})

    heads: dict[str, str] = {}
    for p in people:
        heads.setdefault(p["department"], p["sam"])
    groups_of = {d["name"]: d["groups"] for d in depts}
    admin_sam = people[1]["sam"]
    users: list[User] = []
    for i, p in enumerate(people):
        admin = p["sam"] == admin_sam
        groups = ["Domain Users", *groups_of[p["department"]]]
        if admin:
            groups.append("AWS-Admins")  # Domain Admins goes to his separate admin account
        users.append(User(
            sam=p["sam"], first=p["first"], last=p["last"], department=p["department"], title=p["title"],
            groups=tuple(groups), privileged=admin, mfa_enrolled=not admin,
            manager="" if heads[p["department"]] == p["sam"] else heads[p["department"]],
            email=f"{p['sam']}@{email}", sid=f"{domain_sid}-{1104 + i}",
            aws_user=p["sam"] if p["department"] == "IT" else None,
        ))

    host_list: list[Host] = []
    dc = spec["dc"]
    host_list.append(Host(dc["name"], f"{dc['name']}.{fqdn}", dc["ip"], _mac(rng), dc["os"], dc["role"],
                          dc["owner"], dc["criticality"], dc["service"]))
    for i, s in enumerate(spec["servers"][:n_servers]):
        host_list.append(Host(s["name"], f"{s['name']}.{fqdn}", f"{spec['server_net']}{20 + i}", _mac(rng), s["os"],
                              s["role"], "it-infrastructure", s["criticality"], s["service"]))
    counters: dict[str, int] = {}
    codes = {d["name"]: d["code"] for d in depts}
    for i, u in enumerate(users):
        code = codes[u.department]
        counters[code] = counters.get(code, 0) + 1
        name = f"{code}-LT{counters[code] * 7 + rng.randrange(7):03d}"
        ip = f"{spec['workstation_net']}{1 + i // 200}.{10 + i % 200}"
        host_list.append(Host(name, f"{name}.{fqdn}", ip, _mac(rng), rng.choice(spec["workstation_os"]),
                              "workstation", u.sam, "medium" if not u.privileged else "high",
                              "End-user computing", sysmon=i != len(users) - 1))

    victim, admin = users[0], users[1]
    by_name = {h.name: h for h in host_list}
    buckets = tuple(b["name"] for b in spec["aws"]["buckets"])
    return Org(
        company=spec["company"], email_domain=email, ad_domain=spec["ad_domain"], ad_fqdn=fqdn,
        aws_account=spec["aws_account"], aws_region=spec["aws_region"], okta_org=spec["okta_org"],
        country=spec["country"], city=spec["city"], egress_ip=spec["egress_ip"],
        hosts=tuple(host_list), users=tuple(users), victim=victim, admin=admin,
        admin_account=personas["admin"]["admin_account"], hr=users[2],
        victim_host=next(h for h in host_list if h.owner == victim.sam),
        admin_host=next(h for h in host_list if h.owner == admin.sam),
        lateral_target=by_name["FS01"], dc=host_list[0],
        no_sysmon_host=host_list[-1],
        buckets=buckets, public_bucket="halcyon-web-assets", target_bucket="halcyon-finance-reports",
        backup_aws_user=personas["backup_user"]["aws_user"], fleet_aws_user=personas["fleet_user"]["aws_user"],
        backup_key_id="AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        domain_sid=domain_sid,
        aws_reporting_role=spec["aws"]["reporting_role"],
        okta_apps=tuple(spec["okta_apps"]),
    )


def _mac(rng: random.Random) -> str:
    # 00:50:56 is VMware's prefix; many corporate fleets are virtual desktops and VMs.
    return "00:50:56:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))
