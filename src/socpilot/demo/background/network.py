"""Network background as the sensors at the office edge see it: Zeek logs and Suricata EVE."""

from __future__ import annotations

import base64
import random

from socpilot.demo.background.common import Hour, between, cumulative, ephemeral_port, one_of, pick
from socpilot.demo.data import load
from socpilot.demo.formats import suricata as eve
from socpilot.demo.formats import zeek
from socpilot.demo.org import Org

_CIPHERS = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")


def zeek_uid(rng: random.Random) -> str:
    """A Zeek connection uid: "C" and 17 alphanumerics (base64 with letters for + and /: one C call)."""
    return "C" + base64.b64encode(rng.getrandbits(104).to_bytes(13, "little"), b"Zz")[:17].decode()


def conn_values(ts: float, uid: str, src: str, sport: int, dst: str, dport: int, proto: str, service: str | None,
                duration: float, orig: int, resp: int, state: str = "SF", history: str = "ShADadFf",
                local_resp: bool = False) -> list[object]:
    opk, rpk = max(1, orig // 1100 + 2), max(1, resp // 1300 + 2)
    return [f"{ts:.6f}", uid, src, sport, dst, dport, proto, service, f"{duration:.6f}", orig, resp, state,
            "T", "T" if local_resp else "F", 0, history, opk, orig + opk * 40, rpk, resp + rpk * 40, None]


def dns_values(ts: float, uid: str, src: str, sport: int, dns_ip: str, query: str, answers: list[str],
               txid: int, rtt: float) -> list[object]:
    return [f"{ts:.6f}", uid, src, sport, dns_ip, 53, "udp", txid, f"{rtt:.6f}", query, 1, "C_INTERNET", 1, "A", 0,
            "NOERROR", "F", "F", "T", "T", 0, ",".join(answers) or None,
            ",".join("300.000000" for _ in answers) or None, "F"]


def ssl_values(ts: float, uid: str, src: str, sport: int, dst: str, dport: int, sni: str,
               rng: random.Random) -> list[object]:
    return [f"{ts:.6f}", uid, src, sport, dst, dport, "TLSv13", one_of(rng, _CIPHERS), "x25519", sni, "F", None,
            "h2", "T", "CsiI", None, None, None, None]


class NetworkBackground:
    """Zeek conn/dns/ssl/http and Suricata flow/dns/alert records for one hour."""

    def __init__(self, org: Org) -> None:
        spec = load("background")
        self.org = org
        self.domains = spec["domains"]
        self.domain_cum = cumulative([d["weight"] for d in self.domains])
        self.agents = spec["http_agents"]
        self.sigs = spec["suricata_signatures"]
        self.alert_rate = spec["suricata_alerts_per_host_day"]
        self.hours = spec["hours"]
        self.weekend_factor = spec["weekend_factor"]
        self.clients = list(org.hosts)
        self.servers = [h for h in org.hosts if h.is_server]
        self.dns_ip = org.dc.ip

    def _client_cum(self, hour: Hour) -> list[float]:
        ws = self.hours["workstation"][hour.hour] * (self.weekend_factor if hour.weekend else 1.0)
        srv = self.hours["server"][hour.hour]
        return cumulative([srv if h.is_server else ws for h in self.clients])

    def zeek(self, hour: Hour, rng: random.Random, n: int) -> list[tuple[float, str, str]]:
        """``n`` Zeek records as (time, log path, line): DNS lookups, then the TLS/HTTP session they lead to."""
        cum = self._client_cum(hour)
        out: list[tuple[float, str, str]] = []
        times = hour.times(rng, n)
        i = 0
        while i < n:
            ts = times[i]
            src = pick(rng, self.clients, cum)
            r = rng.random()
            budget = n - i
            if r < 0.25 and self.servers:
                # Internal: SMB, LDAP, Kerberos, SQL to the servers; one conn record.
                dst = one_of(rng, self.servers)
                port, service = one_of(rng, ((445, "smb"), (389, "ldap"), (88, "krb_tcp"), (1433, None), (135, "dce_rpc")))
                line = zeek.line(conn_values(ts, zeek_uid(rng), src.ip, ephemeral_port(rng), dst.ip, port, "tcp",
                                             service, rng.uniform(0.01, 40), between(rng, 300, 90000),
                                             between(rng, 300, 400000), local_resp=True))
                out.append((ts, "conn", line))
                i += 1
                continue
            d = pick(rng, self.domains, self.domain_cum)
            dst = one_of(rng, d["ips"])
            dns_uid = zeek_uid(rng)
            sport = ephemeral_port(rng)
            rtt = rng.uniform(0.001, 0.04)
            out.append((ts, "dns", zeek.line(dns_values(ts, dns_uid, src.ip, sport, self.dns_ip, d["name"], d["ips"],
                                                         between(rng, 0, 65536), rtt))))
            i += 1
            if budget >= 2:
                out.append((ts, "conn", zeek.line(conn_values(ts, dns_uid, src.ip, sport, self.dns_ip, 53, "udp", "dns",
                                                               rtt, 40 + len(d["name"]), 56 + 16 * len(d["ips"]),
                                                               state="SF", history="Dd", local_resp=True))))
                i += 1
            if budget >= 4:
                t2 = ts + rtt + 0.002
                uid = zeek_uid(rng)
                p2 = ephemeral_port(rng)
                dur = rng.uniform(0.2, 120)
                orig, resp = between(rng, 600, 40000), between(rng, 2000, 2_500_000)
                if d.get("http"):
                    out.append((t2, "conn", zeek.line(conn_values(t2, uid, src.ip, p2, dst, 80, "tcp", "http", dur,
                                                                   orig, resp))))
                    out.append((t2, "http", zeek.line([
                        f"{t2:.6f}", uid, src.ip, p2, dst, 80, 1, "GET", d["name"],
                        f"/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab?{rng.getrandbits(32):x}",
                        None, "1.1", one_of(rng, self.agents), None, 0, resp, 200, "OK", None, None, "(empty)", None,
                        None, None, None, None, None, None, None, "application/vnd.ms-cab-compressed"])))
                else:
                    out.append((t2, "conn", zeek.line(conn_values(t2, uid, src.ip, p2, dst, 443, "tcp", "ssl", dur,
                                                                   orig, resp))))
                    out.append((t2, "ssl", zeek.line(ssl_values(t2, uid, src.ip, p2, dst, 443, d["name"], rng))))
                i += 2
        return out

    def alerts_today(self, weekend: bool) -> int:
        return round(self.alert_rate * len(self.org.hosts) * (self.weekend_factor if weekend else 1.0))

    def suricata(self, hour: Hour, rng: random.Random, n: int, alerts: int) -> list[tuple[float, str, str]]:
        """``n`` EVE records (``alerts`` of them policy alerts) as (time, "eve", line)."""
        cum = self._client_cum(hour)
        out: list[tuple[float, str, str]] = []
        for k, ts in enumerate(hour.times(rng, n)):
            src = pick(rng, self.clients, cum)
            flow_id = rng.getrandbits(51)
            if k < alerts:
                sig = one_of(rng, self.sigs)
                proto = "UDP" if sig["dport"] == 53 else "TCP"
                d = pick(rng, self.domains, self.domain_cum)
                dst = self.dns_ip if proto == "UDP" else one_of(rng, d["ips"])
                out.append((ts, "eve", eve.alert(ts, flow_id, src.ip, ephemeral_port(rng), dst, sig["dport"], proto,
                                                  sig["sid"], sig["signature"], sig["category"], sig["severity"],
                                                  sig["app"])))
            elif rng.random() < 0.45:
                d = pick(rng, self.domains, self.domain_cum)
                out.append((ts, "eve", eve.dns_query(ts, flow_id, src.ip, ephemeral_port(rng), self.dns_ip, d["name"],
                                                      "A", between(rng, 0, 65536))))
            else:
                d = pick(rng, self.domains, self.domain_cum)
                out.append((ts, "eve", eve.flow(ts, flow_id, src.ip, ephemeral_port(rng), one_of(rng, d["ips"]),
                                                 80 if d.get("http") else 443, "TCP", "http" if d.get("http") else "tls",
                                                 between(rng, 500, 60000), between(rng, 2000, 3_000_000),
                                                 between(rng, 1, 120))))
        out.sort(key=lambda e: e[0])
        return out
