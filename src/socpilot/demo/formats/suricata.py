"""Suricata EVE JSON lines: flow, dns and alert records as Suricata 7 writes them."""

from __future__ import annotations

from typing import Any

import orjson

from socpilot.demo.formats.clock import suricata as stamp


def _base(ts: float, flow_id: int, event_type: str, src: str, sport: int, dst: str, dport: int,
          proto: str) -> dict[str, Any]:
    return {"timestamp": stamp(ts), "flow_id": flow_id, "in_iface": "ens192", "event_type": event_type,
            "src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": proto}


def flow(ts: float, flow_id: int, src: str, sport: int, dst: str, dport: int, proto: str, app_proto: str,
         to_server: int, to_client: int, age: int) -> str:
    rec = _base(ts + age, flow_id, "flow", src, sport, dst, dport, proto)
    rec["app_proto"] = app_proto
    rec["flow"] = {"pkts_toserver": max(1, to_server // 900), "pkts_toclient": max(1, to_client // 1200),
                   "bytes_toserver": to_server, "bytes_toclient": to_client, "start": stamp(ts),
                   "end": stamp(ts + age), "age": age, "state": "closed" if proto == "TCP" else "established",
                   "reason": "timeout", "alerted": False}
    if proto == "TCP":
        rec["tcp"] = {"tcp_flags": "1b", "tcp_flags_ts": "1b", "tcp_flags_tc": "1b", "syn": True, "fin": True,
                      "psh": True, "ack": True, "state": "closed"}
    return orjson.dumps(rec).decode()


def dns_query(ts: float, flow_id: int, src: str, sport: int, dst: str, query: str, rrtype: str, txid: int) -> str:
    rec = _base(ts, flow_id, "dns", src, sport, dst, 53, "UDP")
    rec["dns"] = {"version": 2, "type": "query", "id": txid, "rrname": query, "rrtype": rrtype, "tx_id": 0,
                  "opcode": 0}
    return orjson.dumps(rec).decode()


def alert(ts: float, flow_id: int, src: str, sport: int, dst: str, dport: int, proto: str, sid: int,
          signature: str, category: str, severity: int, app_proto: str | None = None) -> str:
    rec = _base(ts, flow_id, "alert", src, sport, dst, dport, proto)
    rec["tx_id"] = 0
    rec["alert"] = {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 3, "signature": signature,
                    "category": category, "severity": severity}
    if app_proto:
        rec["app_proto"] = app_proto
    rec["flow"] = {"pkts_toserver": 4, "pkts_toclient": 3, "bytes_toserver": 793, "bytes_toclient": 343,
                   "start": stamp(ts - 1.2)}
    return orjson.dumps(rec).decode()
