"""Zeek ASCII (TSV) logs: the ``#`` header Zeek writes, one tab-separated line per record."""

from __future__ import annotations

import time

# log path -> (fields, types), as Zeek 6 writes them.
LOGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "conn": (
        ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
         "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
         "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"),
        ("time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count",
         "string", "bool", "bool", "count", "string", "count", "count", "count", "count", "set[string]"),
    ),
    "dns": (
        ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt", "query",
         "qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z",
         "answers", "TTLs", "rejected"),
        ("time", "string", "addr", "port", "addr", "port", "enum", "count", "interval", "string", "count",
         "string", "count", "string", "count", "string", "bool", "bool", "bool", "bool", "count",
         "vector[string]", "vector[interval]", "bool"),
    ),
    "http": (
        ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "trans_depth", "method", "host", "uri",
         "referrer", "version", "user_agent", "origin", "request_body_len", "response_body_len", "status_code",
         "status_msg", "info_code", "info_msg", "tags", "username", "password", "proxied", "orig_fuids",
         "orig_filenames", "orig_mime_types", "resp_fuids", "resp_filenames", "resp_mime_types"),
        ("time", "string", "addr", "port", "addr", "port", "count", "string", "string", "string", "string",
         "string", "string", "string", "count", "count", "count", "string", "count", "string", "set[enum]",
         "string", "string", "set[string]", "vector[string]", "vector[string]", "vector[string]",
         "vector[string]", "vector[string]", "vector[string]"),
    ),
    "ssl": (
        ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "cipher", "curve",
         "server_name", "resumed", "last_alert", "next_protocol", "established", "ssl_history", "cert_chain_fps",
         "client_cert_chain_fps", "sni_matches_cert", "validation_status"),
        ("time", "string", "addr", "port", "addr", "port", "string", "string", "string", "string", "bool",
         "string", "string", "bool", "string", "vector[string]", "vector[string]", "bool", "string"),
    ),
}


def header(path: str, opened: float) -> str:
    fields, types = LOGS[path]
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(int(opened)))
    return ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
            f"#path\t{path}\n#open\t{stamp}\n#fields\t" + "\t".join(fields) + "\n#types\t" + "\t".join(types) + "\n")


def footer(closed: float) -> str:
    return f"#close\t{time.strftime('%Y-%m-%d-%H-%M-%S', time.gmtime(int(closed)))}\n"


def line(values: list[object]) -> str:
    """A record line (no line ending); ``None`` is Zeek's unset ``-``."""
    return "\t".join("-" if v is None else str(v) for v in values)
