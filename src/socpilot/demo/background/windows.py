"""Windows background: Sysmon and Security events of workstations, servers and the domain controller."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from socpilot.demo.background.common import Hour, between, cumulative, ephemeral_port, one_of, pick
from socpilot.demo.data import load
from socpilot.demo.formats import windows as fmt
from socpilot.demo.formats.clock import space_ms
from socpilot.demo.org import Host, Org
from socpilot.demo.rng import guid, stream
from socpilot.demo.template import fill

SYSTEM = "NT AUTHORITY\\SYSTEM"
_PORT_NAMES = {443: "https", 80: "http", 445: "microsoft-ds", 389: "ldap", 88: "kerberos", 135: "epmap"}
# Which process opens a connection to an internal port (Kerberos from anything but lsass is a known alert).
_INTERNAL_CLIENT = {
    445: ("System", SYSTEM),
    389: ("C:\\Windows\\System32\\lsass.exe", SYSTEM),
    88: ("C:\\Windows\\System32\\lsass.exe", SYSTEM),
    135: ("C:\\Windows\\System32\\svchost.exe", "NT AUTHORITY\\NETWORK SERVICE"),
    443: ("C:\\Windows\\System32\\svchost.exe", SYSTEM),
}


@dataclass(frozen=True)
class Proc:
    image: str
    guid: str
    pid: int
    cmd: str
    user: str


@dataclass(frozen=True)
class HostDay:
    """A host's long-lived processes and logon session on one day."""

    host: Host
    user: str  # DOMAIN\account of the person at the keyboard (servers: the IT admin account)
    sam: str
    sid: str
    explorer: Proc
    services: Proc
    svchost: Proc
    chrome: Proc  # the browser's main process: renderers hang off it, not off explorer
    teams: Proc
    logon_id: str
    logon_guid: str
    kind: str  # workstation, server, domain_controller, no_sysmon


def host_day(org: Org, seed: int, day: int, host: Host) -> HostDay:
    rng = stream(seed, "windows-host", day, host.name)
    if host.is_server:
        sam, sid = org.admin_account, f"{org.domain_sid}-1190"
    else:
        owner = org.user(host.owner)
        sam, sid = owner.sam, owner.sid
    user = f"{org.ad_domain}\\{sam}"
    chrome = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
    teams = f"C:\\Users\\{sam}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe"
    kind = ("no_sysmon" if not host.sysmon else "domain_controller" if host.role == "domain_controller"
            else "server" if host.is_server else "workstation")
    return HostDay(
        host=host, user=user, sam=sam, sid=sid,
        explorer=Proc("C:\\Windows\\explorer.exe", guid(rng), between(rng, 3000, 9000),
                      "C:\\Windows\\Explorer.EXE", user),
        services=Proc("C:\\Windows\\System32\\services.exe", guid(rng), between(rng, 600, 800),
                      "C:\\Windows\\system32\\services.exe", SYSTEM),
        svchost=Proc("C:\\Windows\\System32\\svchost.exe", guid(rng), between(rng, 800, 1600),
                     "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule", SYSTEM),
        chrome=Proc(chrome, guid(rng), between(rng, 2000, 16000), f'"{chrome}" ', user),
        teams=Proc(teams, guid(rng), between(rng, 2000, 16000), f'"{teams}" --system-initialized', user),
        logon_id=f"0x{between(rng, 0x100000, 0xfffffff):x}", logon_guid=guid(rng), kind=kind,
    )


@cache
def hashes(image: str) -> str:
    """Stable file hashes for an image path (the same binary everywhere in the fleet)."""
    b = image.lower().encode()
    return (f"SHA1={hashlib.sha1(b).hexdigest().upper()},MD5={hashlib.md5(b).hexdigest().upper()},"
            f"SHA256={hashlib.sha256(b).hexdigest().upper()},IMPHASH={hashlib.md5(b[::-1]).hexdigest().upper()}")


def process_create(fqdn: str, ts: float, proc: Proc, parent: Proc, meta: dict[str, Any], logon_id: str,
                   logon_guid: str, integrity: str, cwd: str) -> str:
    """Sysmon event 1, the record everything else in a process tree hangs from."""
    name = proc.image.rsplit("\\", 1)[-1]
    return fmt.event(fqdn, ts, "sysmon", 1, {
        "ProcessGuid": proc.guid, "ProcessId": str(proc.pid), "Image": proc.image,
        "FileVersion": str(meta.get("version", "10.0.22621.3672")), "Description": meta.get("desc", name),
        "Product": meta.get("product", "Microsoft® Windows® Operating System"),
        "Company": meta.get("company", "Microsoft Corporation"), "OriginalFileName": meta.get("original", name),
        "CommandLine": proc.cmd, "CurrentDirectory": cwd, "User": proc.user, "LogonGuid": logon_guid,
        "LogonId": logon_id, "TerminalSessionId": "0" if proc.user == SYSTEM else "1", "IntegrityLevel": integrity,
        "Hashes": hashes(proc.image), "ParentProcessGuid": parent.guid, "ParentProcessId": str(parent.pid),
        "ParentImage": parent.image, "ParentCommandLine": parent.cmd, "ParentUser": parent.user,
    })


class WindowsBackground:
    """Generates the Windows events of one hour; holds the compiled YAML tables, no mutable state."""

    def __init__(self, org: Org, seed: int, day: int) -> None:
        spec = load("background")
        self.org = org
        self.pools = dict(spec["pools"])
        self.pools["svc_name"] = spec["svc_names"]
        self.days = {h.name: host_day(org, seed, day, h) for h in org.hosts}
        self.kinds = {k: (list(v), cumulative(list(v.values()))) for k, v in spec["windows_kinds"].items()}
        self.ws_procs = (spec["workstation_processes"], cumulative([p["weight"] for p in spec["workstation_processes"]]))
        self.srv_procs = (spec["server_processes"], cumulative([p["weight"] for p in spec["server_processes"]]))
        self.files = spec["files"]
        self.registry = spec["registry"]
        self.images = spec["images"]
        self.domains = spec["domains"]
        self.domain_cum = cumulative([d["weight"] for d in self.domains])
        self.paths = {p["image"].rsplit("\\", 1)[-1].lower(): p["image"] for p in spec["workstation_processes"]}
        self.paths["aws.exe"] = "C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe"
        self.hours = spec["hours"]
        self.weekend_factor = spec["weekend_factor"]
        self.workstations = [h for h in org.hosts if not h.is_server]
        self.internal = [h for h in org.hosts if h.is_server]
        self.builders = {
            "process": self._process, "network": self._network, "dns": self._dns, "file": self._file,
            "registry": self._registry, "terminate": self._terminate, "image": self._image, "logon": self._logon,
            "privileges": self._privileges, "kerberos_tgt": self._tgt, "kerberos_tgs": self._tgs,
            "logoff": self._logoff,
        }

    def host_weights(self, hour: Hour) -> list[float]:
        ws = self.hours["workstation"][hour.hour] * (self.weekend_factor if hour.weekend else 1.0)
        srv = self.hours["server"][hour.hour]
        # Servers and the DC log several times what a laptop does.
        return [srv * (4.0 if h.role == "domain_controller" else 2.5) if h.is_server else ws for h in self.org.hosts]

    def generate(self, hour: Hour, rng: random.Random, n: int) -> list[tuple[float, str, str]]:
        """``n`` events as (time, host name, line)."""
        hosts = list(self.org.hosts)
        cum = cumulative(self.host_weights(hour))
        out = []
        for ts in hour.times(rng, n):
            host = pick(rng, hosts, cum)
            hd = self.days[host.name]
            kinds, kcum = self.kinds[hd.kind]
            kind = pick(rng, kinds, kcum)
            out.append((ts, host.name, self.builders[kind](hd, ts, rng)))
        return out

    # -- helpers

    def _ctx(self, hd: HostDay) -> dict[str, str]:
        return {"user": hd.sam, "sid": hd.sid, "host": hd.host.name}

    def _pick_proc(self, hd: HostDay, rng: random.Random) -> tuple[dict[str, Any], Proc, Proc, str]:
        table, cum = self.srv_procs if hd.host.is_server else self.ws_procs
        meta = pick(rng, table, cum)
        ctx = self._ctx(hd)
        image = fill(meta["image"], rng, ctx, self.pools)
        who = meta.get("user")
        user = hd.user if who in (None, "admin") else who
        parent = {"explorer": hd.explorer, "services": hd.services, "chrome": hd.chrome,
                  "teams": hd.teams}.get(meta["parent"], hd.svchost)
        proc = Proc(image, guid(rng), between(rng, 1000, 16000), fill(meta["cmd"], rng, ctx, self.pools), user)
        return meta, proc, parent, meta.get("integrity", "High" if who == "admin" else "Medium")

    # -- event kinds

    def _process(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        meta, proc, parent, integrity = self._pick_proc(hd, rng)
        cwd = "C:\\Windows\\system32\\" if proc.user == SYSTEM else f"C:\\Users\\{hd.sam}\\"
        return process_create(hd.host.fqdn, ts, proc, parent, meta, "0x3e7" if proc.user == SYSTEM else hd.logon_id,
                              hd.logon_guid, integrity, cwd)

    def _terminate(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        _, proc, _, _ = self._pick_proc(hd, rng)
        return fmt.event(hd.host.fqdn, ts, "sysmon", 5, {"ProcessGuid": proc.guid, "ProcessId": str(proc.pid),
                                                          "Image": proc.image, "User": proc.user})

    def _network(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        if rng.random() < 0.3 and self.internal:
            # Each Windows service talks to the DC and file servers from its own process.
            dst = one_of(rng, self.internal)
            port = one_of(rng, (445, 389, 88, 135)) if dst.role == "domain_controller" else one_of(rng, (445, 443, 135))
            image, user = _INTERNAL_CLIENT[port]
            dst_ip, dst_name = dst.ip, dst.fqdn
            pid = "4" if image == "System" else str(between(rng, 600, 1600))
        else:
            d = pick(rng, self.domains, self.domain_cum)
            image = self._image_path(d["image"], hd)
            user = SYSTEM if image.endswith("svchost.exe") else hd.user
            dst_ip, dst_name, port = one_of(rng, d["ips"]), d["name"], 80 if d.get("http") else 443
            pid = str(between(rng, 1000, 16000))
        return fmt.event(hd.host.fqdn, ts, "sysmon", 3, {
            "ProcessGuid": guid(rng), "ProcessId": pid, "Image": image, "User": user, "Protocol": "tcp",
            "Initiated": "true", "SourceIsIpv6": "false", "SourceIp": hd.host.ip, "SourceHostname": hd.host.fqdn,
            "SourcePort": str(ephemeral_port(rng)), "SourcePortName": "-", "DestinationIsIpv6": "false",
            "DestinationIp": dst_ip, "DestinationHostname": dst_name, "DestinationPort": str(port),
            "DestinationPortName": _PORT_NAMES.get(port, "-"),
        })

    def _image_path(self, name: str, hd: HostDay) -> str:
        """The full path of a process the domain table names by file name (per-user installs filled in)."""
        path = self.paths.get(name.lower(), f"C:\\Windows\\System32\\{name}")
        return path.replace("{user}", hd.sam) if "{" in path else path

    def _dns(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        d = pick(rng, self.domains, self.domain_cum)
        image = self._image_path(d["image"], hd)
        return fmt.event(hd.host.fqdn, ts, "sysmon", 22, {
            "ProcessGuid": guid(rng), "ProcessId": str(between(rng, 1000, 16000)), "QueryName": d["name"],
            "QueryStatus": "0", "QueryResults": "".join(f"::ffff:{ip};" for ip in d["ips"]), "Image": image,
            "User": SYSTEM if image.endswith("svchost.exe") else hd.user,
        })

    def _file(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        f = one_of(rng, self.files)
        path = fill(f["path"], rng, self._ctx(hd), self.pools)
        return fmt.event(hd.host.fqdn, ts, "sysmon", 11, {
            "ProcessGuid": guid(rng), "ProcessId": str(between(rng, 1000, 16000)), "Image": f["image"],
            "TargetFilename": path, "CreationUtcTime": space_ms(ts - 0.004),
            "User": SYSTEM if f["image"].endswith("svchost.exe") else hd.user,
        })

    def _registry(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        r = one_of(rng, self.registry)
        ctx = self._ctx(hd)
        return fmt.event(hd.host.fqdn, ts, "sysmon", 13, {
            "EventType": "SetValue", "ProcessGuid": guid(rng), "ProcessId": str(between(rng, 1000, 16000)),
            "Image": r["image"], "TargetObject": fill(r["key"], rng, ctx, self.pools),
            "Details": fill(r["details"], rng, ctx, self.pools),
            "User": SYSTEM if r["image"].endswith("svchost.exe") else hd.user,
        })

    def _image(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        m = one_of(rng, self.images)
        dll = m["dll"]
        name = dll.rsplit("\\", 1)[-1]
        return fmt.event(hd.host.fqdn, ts, "sysmon", 7, {
            "ProcessGuid": guid(rng), "ProcessId": str(between(rng, 1000, 16000)), "Image": m["image"],
            "ImageLoaded": dll, "FileVersion": "10.0.22621.3672 (WinBuild.160101.0800)", "Description": name,
            "Product": "Microsoft® Windows® Operating System", "Company": "Microsoft Corporation",
            "OriginalFileName": name, "Hashes": hashes(dll), "Signed": "true", "Signature": "Microsoft Windows",
            "SignatureStatus": "Valid", "User": SYSTEM if m["image"].endswith("svchost.exe") else hd.user,
        })

    def _logon(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        host = hd.host
        if host.is_server:
            # Someone's laptop opening a share, the ERP or a GPO: a network logon with their account.
            src = one_of(rng, self.workstations)
            owner = self.org.user(src.owner)
            target, tsid, ltype, ip, ws = owner.sam, owner.sid, "3", src.ip, src.name
            package, process = "Kerberos", "Kerberos"
        elif rng.random() < 0.6:
            target, tsid, ltype, ip, ws = hd.sam, hd.sid, one_of(rng, ("2", "7", "11")), "127.0.0.1", host.name
            package, process = "Negotiate", "User32 "
        else:
            target, tsid, ltype, ip, ws = "SYSTEM", "S-1-5-18", "5", "-", "-"
            package, process = "Negotiate", "Advapi  "
        return fmt.event(host.fqdn, ts, "security", 4624, {
            "SubjectUserSid": "S-1-5-18" if ltype != "3" else "S-1-0-0",
            "SubjectUserName": f"{host.name}$" if ltype != "3" else "-",
            "SubjectDomainName": self.org.ad_domain if ltype != "3" else "-",
            "SubjectLogonId": "0x3e7" if ltype != "3" else "0x0",
            "TargetUserSid": tsid, "TargetUserName": target,
            "TargetDomainName": "NT AUTHORITY" if target == "SYSTEM" else self.org.ad_domain,
            "TargetLogonId": f"0x{between(rng, 0x100000, 0xfffffff):x}", "LogonType": ltype,
            "LogonProcessName": process, "AuthenticationPackageName": package, "WorkstationName": ws,
            "LogonGuid": guid(rng), "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": "0",
            "ProcessId": "0x0" if ltype == "3" else "0x2a8",
            "ProcessName": "-" if ltype == "3" else "C:\\Windows\\System32\\svchost.exe",
            "IpAddress": ip, "IpPort": str(ephemeral_port(rng)) if ltype == "3" else "0",
            "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "-", "TargetOutboundUserName": "-",
            "TargetOutboundDomainName": "-", "VirtualAccount": "%%1843", "TargetLinkedLogonId": "0x0",
            "ElevatedToken": "%%1842",
        })

    def _logoff(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        return fmt.event(hd.host.fqdn, ts, "security", 4634, {
            "TargetUserSid": hd.sid, "TargetUserName": hd.sam, "TargetDomainName": self.org.ad_domain,
            "TargetLogonId": f"0x{between(rng, 0x100000, 0xfffffff):x}", "LogonType": one_of(rng, ("2", "7", "3")),
        })

    def _privileges(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        return fmt.event(hd.host.fqdn, ts, "security", 4672, {
            "SubjectUserSid": "S-1-5-18", "SubjectUserName": "SYSTEM", "SubjectDomainName": "NT AUTHORITY",
            "SubjectLogonId": "0x3e7",
            "PrivilegeList": "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\t"
                             "SeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\t"
                             "SeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\t"
                             "SeSystemEnvironmentPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\t"
                             "SeDelegateSessionUserImpersonatePrivilege",
        })

    def _tgt(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        src = one_of(rng, self.workstations)
        owner = self.org.user(src.owner)
        return fmt.event(hd.host.fqdn, ts, "security", 4768, {
            "TargetUserName": owner.sam, "TargetDomainName": self.org.ad_fqdn.upper(), "TargetSid": owner.sid,
            "ServiceName": "krbtgt", "ServiceSid": f"{self.org.domain_sid}-502", "TicketOptions": "0x40810010",
            "Status": "0x0", "TicketEncryptionType": "0x12", "PreAuthType": "2", "IpAddress": f"::ffff:{src.ip}",
            "IpPort": str(ephemeral_port(rng)), "CertIssuerName": "", "CertSerialNumber": "", "CertThumbprint": "",
        })

    def _tgs(self, hd: HostDay, ts: float, rng: random.Random) -> str:
        src = one_of(rng, self.workstations)
        owner = self.org.user(src.owner)
        service = one_of(rng, self.internal)
        return fmt.event(hd.host.fqdn, ts, "security", 4769, {
            "TargetUserName": f"{owner.sam}@{self.org.ad_fqdn.upper()}", "TargetDomainName": self.org.ad_fqdn.upper(),
            "ServiceName": f"{service.name}$", "ServiceSid": f"{self.org.domain_sid}-{1000 + len(service.name)}",
            "TicketOptions": "0x40810000", "TicketEncryptionType": "0x12", "IpAddress": f"::ffff:{src.ip}",
            "IpPort": str(ephemeral_port(rng)), "Status": "0x0", "LogonGuid": guid(rng), "TransmittedServices": "-",
        })
