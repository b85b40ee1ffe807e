"""Where each source's records land on disk, laid out the way the real tools lay them out.

- Windows: one NXLog JSON-lines file per host per day, ``windows/<date>/<HOST>.json``
- Zeek: one log per type per day with Zeek's header, ``zeek/<date>/<path>.log``
- Suricata: ``suricata/<date>/eve.json``
- Okta: System Log export per day, ``okta/<date>.json``
- CloudTrail: gzipped ``Records`` files per hour under the AWSLogs/... prefix S3 delivery uses
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Any

from socpilot.demo.formats import cloudtrail as ct
from socpilot.demo.formats import zeek
from socpilot.demo.org import Org
from socpilot.demo.rng import stream

RANDOM_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def date_of(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(int(ts)))


def windows_path(day_start: float, host: str) -> Path:
    return Path("windows") / date_of(day_start) / f"{host}.json"


def zeek_path(day_start: float, log: str) -> Path:
    return Path("zeek") / date_of(day_start) / f"{log}.log"


def suricata_path(day_start: float) -> Path:
    return Path("suricata") / date_of(day_start) / "eve.json"


def okta_path(day_start: float) -> Path:
    return Path("okta") / f"{date_of(day_start)}.json"


def cloudtrail_path(org: Org, seed: int, hour_start: float) -> Path:
    t = time.gmtime(int(hour_start))
    rng = stream(seed, "cloudtrail-file", int(hour_start))
    suffix = "".join(rng.choice(RANDOM_SUFFIX) for _ in range(16))
    name = (f"{org.aws_account}_CloudTrail_{org.aws_region}_{time.strftime('%Y%m%dT%H%M', t)}Z_{suffix}.json.gz")
    return (Path("cloudtrail") / "AWSLogs" / org.aws_account / "CloudTrail" / org.aws_region /
            time.strftime("%Y/%m/%d", t) / name)


class DaySinks:
    """The open files of one day. Lines arrive in time order per file, hour by hour."""

    def __init__(self, raw: Path, org: Org, seed: int, day_start: float) -> None:
        self.raw, self.org, self.seed, self.day_start = raw, org, seed, day_start
        self.files: dict[Path, IO[str]] = {}
        self.by_key: dict[tuple[str, str], IO[str]] = {}  # (source, key) -> open file: no path work per line
        self.written: dict[str, int] = {}
        self.paths: dict[str, list[Path]] = {}

    def _open(self, rel: Path, source: str, header: str = "") -> IO[str]:
        f = self.files.get(rel)
        if f is None:
            path = self.raw / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            # A modest buffer: a day holds one file per host open at once.
            f = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 16)
            f.write(header)
            self.files[rel] = f
            self.paths.setdefault(source, []).append(rel)
        return f

    def _file_for(self, source: str, key: str) -> IO[str]:
        if source == "windows":
            f = self._open(windows_path(self.day_start, key), source)
        elif source == "zeek":
            f = self._open(zeek_path(self.day_start, key), source, zeek.header(key, self.day_start))
        elif source == "suricata":
            f = self._open(suricata_path(self.day_start), source)
        else:
            f = self._open(okta_path(self.day_start), source)
        self.by_key[(source, key)] = f
        return f

    def lines(self, source: str, items: list[tuple[float, str, str]]) -> None:
        """Write (time, key, line) items; ``key`` picks the file (host, Zeek log path ...)."""
        files = self.by_key
        for _, key, line in items:
            f = files.get((source, key)) or self._file_for(source, key)
            f.write(line)
            f.write("\n")
        self.written[source] = self.written.get(source, 0) + len(items)

    def cloudtrail(self, hour_start: float, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        rel = cloudtrail_path(self.org, self.seed, hour_start)
        path = self.raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ct.file_bytes(records))
        self.paths.setdefault("cloudtrail", []).append(rel)
        self.written["cloudtrail"] = self.written.get("cloudtrail", 0) + len(records)

    def close(self) -> None:
        for rel, f in self.files.items():
            if rel.parts[0] == "zeek":
                f.write(zeek.footer(self.day_start + 86400))
            f.close()
        self.files.clear()
