"""The attack and the planted weaknesses, expanded from YAML into records in the real formats.

Each YAML step names a kind (process, dns, beacon, logon, cloudtrail ...); the functions here
turn it into one or more records. The result is small (hundreds of records), so it is built
once, up front, and the day writers merge it into the background by time.
"""

from __future__ import annotations

import base64
import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socpilot.demo.background.cloud import CONSOLE_AGENT, access_key, principal_id
from socpilot.demo.background.common import between
from socpilot.demo.background.identity import app_target, okta_user_id
from socpilot.demo.background.network import conn_values, dns_values, ssl_values, zeek_uid
from socpilot.demo.background.windows import SYSTEM, Proc, process_create
from socpilot.demo.data import load
from socpilot.demo.formats import cloudtrail as ct
from socpilot.demo.formats import okta, zeek
from socpilot.demo.formats import suricata as eve
from socpilot.demo.formats import windows as win
from socpilot.demo.formats.clock import space_ms
from socpilot.demo.org import Host, Org
from socpilot.demo.rng import guid, hex_id, stream, uuid
from socpilot.demo.template import fill, fill_tree

Payload = str | dict[str, Any]  # a text line, or a CloudTrail record (files hold several)
Record = tuple[float, str, str, Payload, str]  # time, source, key, payload, what it shows


@dataclass(frozen=True)
class Scripted:
    """One record the scenario places in the output, and what it stands for."""

    ts: float
    source: str  # windows, zeek, suricata, okta, cloudtrail
    key: str  # where it goes: host name, Zeek log path, "eve", "okta", "cloudtrail"
    payload: Payload
    stage: int | None = None
    technique: str | None = None
    what: str = ""


def attack_day(start: datetime, days: int) -> int:
    """The day index of the attack: the last weekday of the period (attackers phish people at work)."""
    for d in range(days - 1, -1, -1):
        if (start + timedelta(days=d)).weekday() < 5:
            return d
    return days - 1


def context(org: Org, seed: int, start: datetime, days: int) -> dict[str, str]:
    """The names a scenario template may use."""
    spec = load("attack")
    rng = stream(seed, "scenario-context")
    day0 = start + timedelta(days=attack_day(start, days))
    ctx = {
        "victim": org.victim.sam, "victim_display": org.victim.display, "victim_first": org.victim.first,
        "victim_host": org.victim_host.name, "victim_ip": org.victim_host.ip,
        "admin": org.admin.sam, "admin_account": org.admin_account, "admin_display": org.admin.display,
        "target_host": org.lateral_target.name, "target_ip": org.lateral_target.ip,
        "ad_domain": org.ad_domain, "ad_fqdn": org.ad_fqdn, "email_domain": org.email_domain, "company": org.company,
        "c2_domain": spec["c2"]["domain"], "c2_ip": spec["c2"]["ip"], "attacker_ip": spec["attacker"]["ip"],
        "aws_account": org.aws_account, "aws_region": org.aws_region, "target_bucket": org.target_bucket,
        "backup_aws_user": org.backup_aws_user, "backup_key_id": org.backup_key_id,
        "backup_secret": "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                                 for _ in range(40)),
        "new_key_id": access_key(seed, "attacker-created", "AKIA"),
        "attachment": spec["attachment"],
        "attack_date": day0.strftime("%Y-%m-%d"),
    }
    ctx["stager"] = fill(spec["stager"], rng, ctx, {})
    ctx["stager_b64"] = base64.b64encode(ctx["stager"].encode("utf-16-le")).decode()
    return ctx


class _Builder:
    """Expands steps in order, remembering processes by id so later steps can hang off them."""

    def __init__(self, org: Org, seed: int, ctx: dict[str, str], day_start: float) -> None:
        self.org, self.seed, self.ctx, self.day_start = org, seed, ctx, day_start
        self.spec = load("attack")
        self.rng = stream(seed, "scenario")
        self.hosts = {"victim": org.victim_host, "target": org.lateral_target, "admin": org.admin_host}
        self.users = {"victim": f"{org.ad_domain}\\{org.victim.sam}", "admin": f"{org.ad_domain}\\{org.admin_account}",
                      "system": SYSTEM}
        self.procs: dict[str, tuple[Proc, Host]] = {}
        self.logon_id = {h: f"0x{self.rng.randrange(0x100000, 0xfffffff):x}" for h in ("victim", "target")}
        for name, host in (("victim", org.victim_host), ("target", org.lateral_target)):
            self.procs[f"explorer@{name}"] = (Proc("C:\\Windows\\explorer.exe", guid(self.rng), self.rng.randrange(3000, 9000),
                                                   "C:\\Windows\\Explorer.EXE", self.users[name if name == "victim" else "admin"]), host)
            self.procs[f"services@{name}"] = (Proc("C:\\Windows\\System32\\services.exe", guid(self.rng),
                                                   self.rng.randrange(600, 800), "C:\\Windows\\system32\\services.exe",
                                                   SYSTEM), host)
        outlook = "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"
        self.procs["outlook"] = (Proc(outlook, guid(self.rng), self.rng.randrange(3000, 12000), f'"{outlook}" ',
                                      self.users["victim"]), org.victim_host)
        self.kinds: dict[str, Callable[[dict[str, Any], float], list[Record]]] = {
            "process": self.process, "file": self.file, "script": self.script, "dns": self.dns,
            "network": self.network, "beacon": self.beacon, "access": self.access, "smb_session": self.smb_session,
            "suricata_alert": self.suricata_alert, "logon": self.logon, "privileges": self.privileges,
            "service": self.service, "okta": self.okta, "cloudtrail": self.cloudtrail,
            "https_session": self.https_session,
        }

    def text(self, value: str) -> str:
        return fill(value, self.rng, self.ctx, {})

    def proc_ref(self, step: dict[str, Any], key: str) -> tuple[Proc, Host]:
        ref = step[key]
        if ref in ("explorer", "services"):
            return self.procs[f"{ref}@{step['host']}"]
        return self.procs[ref]

    # -- Windows

    def process(self, s: dict[str, Any], ts: float) -> list[Record]:
        host = self.hosts[s["host"]]
        parent, _ = self.proc_ref(s, "parent")
        proc = Proc(self.text(s["image"]), guid(self.rng), self.rng.randrange(1000, 16000), self.text(s["cmd"]),
                    self.users[s["user"]])
        if "id" in s:
            self.procs[s["id"]] = (proc, host)
        logon = "0x3e7" if proc.user == SYSTEM else self.logon_id.get(s["host"], "0x3e7")
        cwd = "C:\\Windows\\system32\\" if s["host"] == "target" else f"C:\\Users\\{self.org.victim.sam}\\Documents\\"
        line = process_create(host.fqdn, ts, proc, parent, s, logon, guid(self.rng), s.get("integrity", "Medium"), cwd)
        return [(ts, "windows", host.name, line, f"{proc.image.rsplit(chr(92), 1)[-1]}: {proc.cmd[:160]}")]

    def file(self, s: dict[str, Any], ts: float) -> list[Record]:
        proc, host = self.proc_ref(s, "process")
        path = self.text(s["path"])
        line = win.event(host.fqdn, ts, "sysmon", 11, {
            "ProcessGuid": proc.guid, "ProcessId": str(proc.pid), "Image": proc.image, "TargetFilename": path,
            "CreationUtcTime": space_ms(ts), "User": proc.user})
        return [(ts, "windows", host.name, line, f"file written: {path}")]

    def script(self, s: dict[str, Any], ts: float) -> list[Record]:
        _, host = self.proc_ref(s, "process")
        line = win.event(host.fqdn, ts, "powershell", 4104, {
            "MessageNumber": "1", "MessageTotal": "1", "ScriptBlockText": self.text(s["text"]),
            "ScriptBlockId": guid(self.rng)[1:-1], "Path": ""})
        return [(ts, "windows", host.name, line, "PowerShell script block of the decoded stager")]

    def dns(self, s: dict[str, Any], ts: float) -> list[Record]:
        proc, host = self.proc_ref(s, "process")
        query = self.text(s["query"])
        line = win.event(host.fqdn, ts, "sysmon", 22, {
            "ProcessGuid": proc.guid, "ProcessId": str(proc.pid), "QueryName": query, "QueryStatus": "0",
            "QueryResults": self.text(s["results"]), "Image": proc.image, "User": proc.user})
        out: list[Record] = [(ts, "windows", host.name, line, f"DNS lookup of {query}")]
        uid = zeek_uid(self.rng)
        out.append((ts + 0.001, "zeek", "dns", zeek.line(dns_values(ts + 0.001, uid, host.ip, self.rng.randrange(49152, 65535),
                                                                     self.org.dc.ip, query, [self.ctx["c2_ip"]],
                                                                     self.rng.randrange(65536), 0.021)),
                    f"DNS lookup of {query}"))
        return out

    def sysmon_net(self, proc: Proc, host: Host, ts: float, dst_ip: str, port: int, dst_name: str, sport: int) -> str:
        return win.event(host.fqdn, ts, "sysmon", 3, {
            "ProcessGuid": proc.guid, "ProcessId": str(proc.pid), "Image": proc.image, "User": proc.user,
            "Protocol": "tcp", "Initiated": "true", "SourceIsIpv6": "false", "SourceIp": host.ip,
            "SourceHostname": host.fqdn, "SourcePort": str(sport), "SourcePortName": "-", "DestinationIsIpv6": "false",
            "DestinationIp": dst_ip, "DestinationHostname": dst_name, "DestinationPort": str(port),
            "DestinationPortName": {443: "https", 445: "microsoft-ds"}.get(port, "-")})

    def network(self, s: dict[str, Any], ts: float) -> list[Record]:
        proc, host = self.proc_ref(s, "process")
        dst = self.hosts[s["dst"]]
        line = self.sysmon_net(proc, host, ts, dst.ip, s["port"], dst.fqdn, self.rng.randrange(49152, 65535))
        return [(ts, "windows", host.name, line, f"{proc.image.rsplit(chr(92), 1)[-1]} connects to {dst.name}:{s['port']}")]

    def _tls(self, proc: Proc, host: Host, ts: float, out_bytes: int, in_bytes: int, duration: float,
             what: str) -> list[Record]:
        c2, domain = self.ctx["c2_ip"], self.ctx["c2_domain"]
        sport = self.rng.randrange(49152, 65535)
        uid = zeek_uid(self.rng)
        return [
            (ts, "windows", host.name, self.sysmon_net(proc, host, ts, c2, 443, "-", sport), what),
            (ts + 0.01, "zeek", "conn", zeek.line(conn_values(ts + 0.01, uid, host.ip, sport, c2, 443, "tcp", "ssl",
                                                               duration, out_bytes, in_bytes)), what),
            (ts + 0.05, "zeek", "ssl", zeek.line(ssl_values(ts + 0.05, uid, host.ip, sport, c2, 443, domain, self.rng)), what),
        ]

    def beacon(self, s: dict[str, Any], ts: float) -> list[Record]:
        """HTTPS check-ins at a jittered interval; the name is looked up again once its DNS TTL has run out."""
        proc, host = self.proc_ref(s, "process")
        until = self.clock(s["until"])
        out: list[Record] = []
        t, resolved = ts, ts
        while t < until:
            if t - resolved > s["ttl"]:
                out += self.dns(s, t - 0.05)
                resolved = t
            out += self._tls(proc, host, t, between(self.rng, *s["bytes_out"]), between(self.rng, *s["bytes_in"]),
                             self.rng.uniform(0.3, 1.8), "HTTPS beacon to the C2 domain")
            t += s["every"] * (1 + self.rng.uniform(-s["jitter"], s["jitter"]))
        return out

    def https_session(self, s: dict[str, Any], ts: float) -> list[Record]:
        proc, host = self.proc_ref(s, "process")
        out = self._tls(proc, host, ts, s["bytes_out"], s["bytes_in"], s["duration"],
                        f"{s['bytes_out'] / 1e9:.1f} GB uploaded to the C2 domain")
        flow = eve.flow(ts, self.rng.getrandbits(51), host.ip, self.rng.randrange(49152, 65535), self.ctx["c2_ip"], 443,
                        "TCP", "tls", s["bytes_out"], s["bytes_in"], int(s["duration"]))
        out.append((ts + s["duration"], "suricata", "eve", flow, "the upload's flow record"))
        return out

    def access(self, s: dict[str, Any], ts: float) -> list[Record]:
        proc, host = self.proc_ref(s, "process")
        line = win.event(host.fqdn, ts, "sysmon", 10, {
            "SourceProcessGUID": proc.guid, "SourceProcessId": str(proc.pid), "SourceThreadId": str(self.rng.randrange(1000, 9000)),
            "SourceImage": proc.image, "TargetProcessGUID": guid(self.rng), "TargetProcessId": str(s["target_pid"]),
            "TargetImage": s["target"], "GrantedAccess": s["granted"], "CallTrace": s["calltrace"],
            "SourceUser": proc.user, "TargetUser": SYSTEM})
        return [(ts, "windows", host.name, line, f"{proc.image.rsplit(chr(92), 1)[-1]} opens lsass.exe with {s['granted']}")]

    def logon(self, s: dict[str, Any], ts: float) -> list[Record]:
        host, src = self.hosts[s["host"]], self.hosts[s["from"]]
        line = win.event(host.fqdn, ts, "security", 4624, {
            "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-", "SubjectLogonId": "0x0",
            "TargetUserSid": f"{self.org.domain_sid}-1190", "TargetUserName": self.org.admin_account,
            "TargetDomainName": self.org.ad_domain, "TargetLogonId": self.logon_id["target"],
            "LogonType": str(s["logon_type"]), "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
            "WorkstationName": src.name, "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
            "TransmittedServices": "-", "LmPackageName": "NTLM V2", "KeyLength": "128", "ProcessId": "0x0",
            "ProcessName": "-", "IpAddress": src.ip, "IpPort": str(self.rng.randrange(49152, 65535)),
            "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "-", "TargetOutboundUserName": "-",
            "TargetOutboundDomainName": "-", "VirtualAccount": "%%1843", "TargetLinkedLogonId": "0x0",
            "ElevatedToken": "%%1842"})
        return [(ts, "windows", host.name, line, f"{self.org.admin_account} network logon (NTLM) from {src.name}")]

    def privileges(self, s: dict[str, Any], ts: float) -> list[Record]:
        host = self.hosts[s["host"]]
        line = win.event(host.fqdn, ts, "security", 4672, {
            "SubjectUserSid": f"{self.org.domain_sid}-1190", "SubjectUserName": self.org.admin_account,
            "SubjectDomainName": self.org.ad_domain, "SubjectLogonId": self.logon_id["target"],
            "PrivilegeList": "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t"
                             "SeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\t"
                             "SeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"})
        return [(ts, "windows", host.name, line, f"administrator privileges for {self.org.admin_account}")]

    def service(self, s: dict[str, Any], ts: float) -> list[Record]:
        host = self.hosts[s["host"]]
        line = win.event(host.fqdn, ts, "system", 7045, {
            "ServiceName": s["name"], "ImagePath": s["path"], "ServiceType": "user mode service",
            "StartType": "demand start", "AccountName": "LocalSystem"})
        return [(ts, "windows", host.name, line, f"service {s['name']} installed")]

    # -- network sensors

    def smb_session(self, s: dict[str, Any], ts: float) -> list[Record]:
        src, dst = self.hosts[s["src"]], self.hosts[s["dst"]]
        line = zeek.line(conn_values(ts, zeek_uid(self.rng), src.ip, self.rng.randrange(49152, 65535), dst.ip, 445,
                                     "tcp", "smb,gssapi,ntlm", s["duration"], s["bytes_out"], s["bytes_in"],
                                     local_resp=True))
        return [(ts, "zeek", "conn", line, f"SMB session {src.name} -> {dst.name}")]

    def suricata_alert(self, s: dict[str, Any], ts: float) -> list[Record]:
        src, dst = self.hosts[s["src"]], self.hosts[s["dst"]]
        line = eve.alert(ts, self.rng.getrandbits(51), src.ip, self.rng.randrange(49152, 65535), dst.ip, s["port"], "TCP",
                         s["sid"], s["signature"], s["category"], s["severity"], "smb")
        return [(ts, "suricata", "eve", line, s["signature"])]

    # -- cloud and identity

    def okta(self, s: dict[str, Any], ts: float) -> list[Record]:
        att = self.spec["attacker"]
        loc = att["location"]
        user = self.org.admin
        client = okta.client(att["ip"], CONSOLE_AGENT, "Windows 10", "CHROME",
                             okta.geo(loc["city"], loc["state"], loc["country"], str(loc["postal"]), loc["lat"], loc["lon"]))
        actor = okta.actor(okta_user_id(self.seed, user.sam), user.email, user.display)
        targets = None
        if "app" in s:
            app = next(a for a in self.org.okta_apps if a["name"] == s["app"])
            targets = [app_target(app, self.seed)]
        session = self.ctx.setdefault("okta_session", "102" + hex_id(self.rng, 22))
        line = okta.event(ts, uuid(self.rng), s["event_type"], s.get("legacy"), s["message"], actor, client, "SUCCESS",
                          session, hex_id(self.rng, 27), s.get("credential"), targets=targets,
                          security={**att["isp"], "isProxy": False}, debug=s.get("debug"))
        return [(ts, "okta", "okta", line, f"Okta {s['event_type']} for {user.email} from {loc['country']}")]

    def cloudtrail(self, s: dict[str, Any], ts: float) -> list[Record]:
        org = self.org
        user = org.admin.aws_user or org.admin.sam
        self.ctx["now_text"] = datetime.fromtimestamp(ts, UTC).strftime("%b %d, %Y %-I:%M:%S %p")
        ident = ct.identity("IAMUser", org.aws_account, user, principal_id(self.seed, org.admin.sam),
                            None if s["name"] == "ConsoleLogin" else access_key(self.seed, f"console-{ts}", "ASIA"),
                            mfa=False, session_ts=None if s["name"] == "ConsoleLogin" else ts - 60)
        rec = ct.record(ts, uuid(self.rng), hex_id(self.rng, 16).upper(), org.aws_account, org.aws_region, s["source"],
                        s["name"], ident, self.ctx["attacker_ip"], CONSOLE_AGENT,
                        fill_tree(s.get("request"), self.rng, self.ctx, {}),
                        fill_tree(s.get("response"), self.rng, self.ctx, {}),
                        read_only=s.get("read_only", True),
                        additional=fill_tree(s.get("additional"), self.rng, self.ctx, {}),
                        event_type=s.get("event_type", "AwsApiCall"))
        return [(ts, "cloudtrail", "cloudtrail", rec, f"AWS {s['name']} by {user} from {self.ctx['attacker_ip']}")]

    # -- timeline

    def clock(self, hhmmss: str) -> float:
        h, m, sec = (int(x) for x in hhmmss.split(":"))
        return self.day_start + h * 3600 + m * 60 + sec + self.rng.random() * 0.9


def build_attack(org: Org, seed: int, start: datetime, days: int) -> tuple[list[Scripted], dict[str, str]]:
    """Every attack record, in time order, with its stage and technique."""
    ctx = context(org, seed, start, days)
    b = _Builder(org, seed, ctx, calendar.timegm((start + timedelta(days=attack_day(start, days))).timetuple()))
    out: list[Scripted] = []
    for stage in b.spec["stages"]:
        ts = b.clock(stage["start"])
        for step in stage["steps"]:
            ts += float(step.get("after", 0)) + (b.rng.random() * 0.05 if step.get("after") else 0.0)
            for t, source, key, payload, what in b.kinds[step["kind"]](step, round(ts, 6)):
                out.append(Scripted(round(t, 6), source, key, payload, stage["stage"], step["technique"], what))
    out.sort(key=lambda e: e.ts)
    return out, ctx


def build_weaknesses(org: Org, seed: int, start: datetime, days: int, ctx: dict[str, str]) -> list[Scripted]:
    """The planted posture findings: a key on a command line, the admin's stale session, a public bucket."""
    spec = load("weaknesses")
    rng = stream(seed, "weaknesses")
    day0 = calendar.timegm(start.timetuple())
    out: list[Scripted] = []
    backup = next((h for h in org.hosts if h.role == "backup_server"), org.lateral_target)
    job = spec["backup_job"]
    svchost = Proc("C:\\Windows\\System32\\svchost.exe", guid(rng), 1468,
                   "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule", SYSTEM)
    for d in range(days):
        ts = day0 + d * 86400 + _seconds(job["at"]) + rng.random()
        proc = Proc(job["image"], guid(rng), rng.randrange(1000, 16000), fill(job["cmd"], rng, ctx, {}), SYSTEM)
        meta = {"desc": "Windows Command Processor"}
        out.append(Scripted(ts, "windows", backup.name,
                            process_create(backup.fqdn, ts, proc, svchost, meta, "0x3e7", guid(rng), "System",
                                           "C:\\Windows\\system32\\"), what="nightly backup task with an AWS key"))
    # The admin fixes the victim's Outlook over RDP the day before: his credentials stay in her LSASS.
    sup = spec["admin_support_logon"]
    d = max(0, attack_day(start, days) - sup["days_before_attack"])
    ts = day0 + d * 86400 + _seconds(sup["at"]) + rng.random()
    host = org.victim_host
    out.append(Scripted(ts, "windows", host.name, win.event(host.fqdn, ts, "security", 4624, {
        "SubjectUserSid": "S-1-5-18", "SubjectUserName": f"{host.name}$", "SubjectDomainName": org.ad_domain,
        "SubjectLogonId": "0x3e7", "TargetUserSid": f"{org.domain_sid}-1190", "TargetUserName": org.admin_account,
        "TargetDomainName": org.ad_domain, "TargetLogonId": f"0x{rng.randrange(0x100000, 0xfffffff):x}",
        "LogonType": "10", "LogonProcessName": "User32 ", "AuthenticationPackageName": "Negotiate",
        "WorkstationName": host.name, "LogonGuid": guid(rng), "TransmittedServices": "-", "LmPackageName": "-",
        "KeyLength": "0", "ProcessId": "0x1c8", "ProcessName": "C:\\Windows\\System32\\svchost.exe",
        "IpAddress": org.admin_host.ip, "IpPort": "0", "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "%%1843",
        "TargetOutboundUserName": "-", "TargetOutboundDomainName": "-", "VirtualAccount": "%%1843",
        "TargetLinkedLogonId": "0x0", "ElevatedToken": "%%1842"}), what="admin RDP support session"))
    # Marketing asked IT to make the web assets bucket public on the first day.
    pub = spec["public_bucket"]
    ts = day0 + _seconds(pub["at"]) + rng.random()
    it_user = next((u for u in org.users if u.department == "IT" and u.sam != org.admin.sam), org.admin)
    ident = ct.identity("IAMUser", org.aws_account, it_user.aws_user or it_user.sam, principal_id(seed, it_user.sam),
                        access_key(seed, f"console-{it_user.sam}", "ASIA"), mfa=True, session_ts=ts - 600)
    bucket = org.public_bucket
    host_header = f"{bucket}.s3.{org.aws_region}.amazonaws.com"
    for offset, name, request in (
        (0.0, "DeleteBucketPublicAccessBlock", {"bucketName": bucket, "Host": host_header, "publicAccessBlock": ""}),
        (31.0, "PutBucketPolicy", {"bucketName": bucket, "Host": host_header, "policy": "", "bucketPolicy": {
            "Version": "2012-10-17", "Statement": [{"Sid": "PublicReadForWebsite", "Effect": "Allow", "Principal": "*",
                                                   "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}}),
    ):
        t = ts + offset
        rec = ct.record(t, uuid(rng), hex_id(rng, 16).upper(), org.aws_account, org.aws_region, "s3.amazonaws.com", name,
                        ident, org.egress_ip, CONSOLE_AGENT, request, None, read_only=False)
        out.append(Scripted(t, "cloudtrail", "cloudtrail", rec, what=f"{name} on {bucket}"))
    return out


def _seconds(hhmmss: str) -> int:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return h * 3600 + m * 60 + s
