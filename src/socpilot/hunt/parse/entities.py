"""Recognizers for the things a question names: IPs, networks, URLs, e-mail addresses,
domains, hashes, ports, quoted strings, file paths and registry keys."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from socpilot.hunt.parse.text import Text

# file extensions that look like top-level domains but name files
_FILE_EXTENSIONS = {"exe", "dll", "ps1", "bat", "cmd", "vbs", "js", "hta", "scr", "sys", "lnk", "docm", "doc",
                    "docx", "xls", "xlsx", "xlsm", "zip", "iso", "msi", "txt", "log", "dmp", "py", "sh", "jar",
                    "tmp", "dat", "csv", "json", "evtx"}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("quoted", re.compile(r"\"([^\"]+)\"|'([^']+)'|`([^`]+)`|“([^”]+)”")),
    ("url", re.compile(r"\bhttps?://[^\s\"'<>]+")),
    ("email", re.compile(r"\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b")),
    ("registry", re.compile(r"\b(?:hklm|hkcu|hkey_[a-z_]+|hku)\\[^\s\"']+")),
    ("path", re.compile(r"(?:\b[a-z]:\\|\\\\|%\w+%\\)[^\s\"']*")),
    ("cidr", re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}\b")),
    ("ip", re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b")),
    ("hash", re.compile(r"\b(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})\b")),
    ("port", re.compile(r"\b(?:ports?|tcp|udp|tcp/|udp/)\s*(\d{1,5}(?:\s*(?:,|or|and|/)\s*\d{1,5})*)\b"
                        r"|(?<=[a-z0-9]):(\d{1,5})\b")),
    ("domain", re.compile(r"\b(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,23}\b")),
    ("process", re.compile(r"\b[\w\-]+\.(?:exe|dll|ps1|bat|vbs|js|hta|scr)\b")),
]


@dataclass(frozen=True)
class Entity:
    kind: str  # quoted, url, email, registry, path, cidr, ip, hash, port, domain, process
    value: str
    start: int
    end: int


def recognise(text: Text) -> list[Entity]:
    """Every entity in the question, in order of appearance; their spans are claimed."""
    found: list[Entity] = []
    for kind, pattern in _PATTERNS:
        for m in list(text.matches(pattern)):
            if not text.free(m.start(), m.end()):
                continue
            value = _value(kind, m, text)
            if value is None:
                continue
            text.take(m.start(), m.end())
            found.append(Entity(kind, value, m.start(), m.end()))
    return sorted(found, key=lambda e: e.start)


def _value(kind: str, m: re.Match[str], text: Text) -> str | None:
    if kind == "quoted":
        return next(g for g in m.groups() if g is not None)
    if kind == "port":  # "port 443", "ports 4444 or 8443": comma-separated numbers
        ports = [int(p) for p in re.findall(r"\d+", next(g for g in m.groups() if g is not None))]
        return ",".join(map(str, ports)) if all(0 < p < 65536 for p in ports) else None
    raw = text.original[m.start():m.end()]
    if kind in ("ip", "cidr"):
        try:
            (ipaddress.ip_network if kind == "cidr" else ipaddress.ip_address)(raw.split("%")[0])
        except ValueError:
            return None
        return raw
    if kind == "domain":
        name = raw.lower().removeprefix("*.")
        if name.rsplit(".", 1)[-1] in _FILE_EXTENSIONS:
            return None
        return name
    if kind in ("process", "email"):
        return raw.lower()
    return raw.rstrip(".,;?!")
