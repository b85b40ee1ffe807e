"""Inputs: plain files, ``.gz`` files and ``.zip`` members, opened as one byte stream each.

An input's key is a content hash (of the file, or of a zip member's own compressed
bytes), so a copy filed under another name or zipped into another archive is
ingested once.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from socpilot.ingest.quarantine import Quarantined

# A member of these is never a log: macOS resource forks and folder entries.
_SKIP_MEMBER_PREFIXES = ("__MACOSX/",)
_SKIP_MEMBER_NAMES = (".DS_Store",)
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Input:
    path: Path
    member: str | None = None

    @property
    def display(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def name(self) -> str:
        """The logical file name, without compression suffix (what sniffing looks at)."""
        name = self.member or self.path.name
        return name[:-3] if name.lower().endswith(".gz") else name

    def open(self) -> BinaryIO:
        """A decompressed, binary, forward-only stream of the input's bytes."""
        if self.member is not None:
            zf = zipfile.ZipFile(self.path)
            stream = zf.open(self.member)
            if self.member.lower().endswith(".gz"):
                return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
            return stream  # type: ignore[return-value]
        raw = open(self.path, "rb")
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
        raw.seek(0)
        return raw

    def head(self, size: int = HEAD_BYTES) -> bytes:
        """The first bytes of the decompressed content (what readers sniff)."""
        try:
            with self.open() as f:
                return f.read(size)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile):
            return b""

    def key(self) -> str:
        """Content hash: of the file as stored, or of a zip member's compressed bytes.

        A member is hashed by its own compressed data (plus method, CRC and size), not
        by its zip, so the same log zipped into two archives is one input.
        """
        h = hashlib.sha256()
        if self.member is not None:
            try:
                _hash_member(self.path, self.member, h)
                return h.hexdigest()
            except (OSError, zipfile.BadZipFile, KeyError, struct.error):
                h = hashlib.sha256()  # an unreadable member: the whole file names it
                h.update(b"\0" + self.member.encode())
        with open(self.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()


def _hash_member(path: Path, member: str, h: hashlib._Hash) -> None:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    h.update(f"zip-member:{info.compress_type}:{info.CRC}:{info.file_size}:".encode())
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{path}!{member}: no local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        remaining = info.compress_size
        while remaining > 0:
            block = f.read(min(remaining, 1 << 20))
            if not block:
                raise zipfile.BadZipFile(f"{path}!{member}: truncated")
            h.update(block)
            remaining -= len(block)


def discover(paths: Iterable[Path]) -> Iterator[Input]:
    """Every input below the given files and folders, recursively, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _expand(child)
        elif path.exists():
            yield from _expand(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")


def _expand(path: Path) -> Iterator[Input]:
    if path.name in _SKIP_MEMBER_NAMES:
        return
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                members = [
                    m.filename for m in zf.infolist()
                    if not m.is_dir() and not m.filename.startswith(_SKIP_MEMBER_PREFIXES)
                    and Path(m.filename).name not in _SKIP_MEMBER_NAMES
                ]
        except zipfile.BadZipFile:
            yield Input(path)  # the pipeline reports it as unreadable
            return
        for member in sorted(members):
            yield Input(path, member)
        return
    yield Input(path)


MAX_LINE_BYTES = 16 << 20  # no log record is this long; a longer line is damage or an attack


def iter_lines(stream: BinaryIO, max_line: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes] | Quarantined]:
    """Lines of a stream with their 1-based numbers, stopping cleanly at a broken compression.

    A truncated gzip or a corrupt deflate stream ends the input with one quarantine
    entry naming the line where reading stopped; the lines before it are kept. A line
    longer than ``max_line`` is quarantined (its first bytes kept) without holding it
    in memory, and reading goes on with the next line.
    """
    lineno = 0
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream, buffer_size=1 << 20)
    while True:
        try:
            line = buffered.readline(max_line + 1)
            if len(line) > max_line and not line.endswith(b"\n"):
                lineno += 1
                size = len(line) + _skip_line(buffered)
                yield Quarantined(lineno, f"line {lineno} is {size:,} bytes, over the {max_line:,}-byte limit; "
                                  "skipped, the other lines were kept", line[:256])
                continue
        except (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile, OSError) as exc:
            yield Quarantined(lineno + 1, f"compressed stream is broken after line {lineno} ({exc}); "
                              "the records before it were kept, re-export or re-copy the file", b"")
            return
        if not line:
            return
        lineno += 1
        yield lineno, line


def _skip_line(buffered: io.BufferedReader) -> int:
    """Read past the rest of an overlong line in bounded pieces; how many bytes were skipped."""
    skipped = 0
    while True:
        piece = buffered.readline(1 << 20)
        skipped += len(piece)
        if not piece or piece.endswith(b"\n"):
            return skipped
