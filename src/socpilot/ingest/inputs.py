"""Inputs: plain files, ``.gz`` files and ``.zip`` members, opened as one byte stream each.

An input's key is a content hash (of the file, or of a zip member's own compressed
bytes), so a copy filed under another name or zipped into another archive is
ingested once.
"""

from __future__ import annotations

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
        """A decompressed, binary, forward-only stream of the input's bytes.

        gzip is decompressed so that a truncated or corrupt file still gives every byte
        before the damage, then raises ``EOFError``/``zlib.error``.
        """
        if self.member is not None:
            zf = zipfile.ZipFile(self.path)
            stream = zf.open(self.member)
            if self.member.lower().endswith(".gz"):
                return io.BufferedReader(SalvagingGzip(stream), 1 << 16)  # type: ignore[arg-type]
            return stream  # type: ignore[return-value]
        raw = open(self.path, "rb")
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            return io.BufferedReader(SalvagingGzip(raw), 1 << 16)  # type: ignore[arg-type]
        raw.seek(0)
        return raw

    def plain_path(self) -> Path | None:
        """The file itself when the input is neither zipped nor gzipped (for parsers that seek)."""
        if self.member is not None:
            return None
        with open(self.path, "rb") as f:
            return None if f.read(2) == b"\x1f\x8b" else self.path

    def head(self, size: int = HEAD_BYTES) -> bytes:
        """The first bytes of the decompressed content (what readers sniff)."""
        got = bytearray()
        try:
            with self.open() as f:
                while len(got) < size:  # piecewise, so a stream broken early still shows its start
                    block = f.read(min(size - len(got), 1024))
                    if not block:
                        break
                    got += block
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile):
            pass
        return bytes(got)

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


class SalvagingGzip(io.RawIOBase):
    """gzip (one or more members) that hands over every byte it can before reporting damage.

    ``gzip.GzipFile`` drops the data it decompressed in the call that meets a truncated
    end; feeding ``zlib`` ourselves keeps it, so the lines before the break survive.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._z = zlib.decompressobj(wbits=31)
        self._fed = False  # whether the current member has been given any bytes
        self._pending = b""
        self._at = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._at >= len(self._pending):
            if self._done:
                return 0
            chunk = self._raw.read(1 << 16)
            if not chunk:
                self._done = True
                if self._fed and not self._z.eof:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
                return 0
            self._pending, self._at = self._decompress(chunk), 0
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = self._pending[self._at:self._at + n]
        self._at += n
        return n

    def _decompress(self, chunk: bytes) -> bytes:
        out = [self._z.decompress(chunk)]
        self._fed = True
        while self._z.eof and self._z.unused_data:  # the next gzip member
            rest = self._z.unused_data
            self._z = zlib.decompressobj(wbits=31)
            out.append(self._z.decompress(rest))
        if self._z.eof:
            self._fed = False
        return b"".join(out)

    def close(self) -> None:
        self._raw.close()
        super().close()


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
    buffered: BinaryIO = (stream if isinstance(stream, io.BufferedReader)
                          else io.BufferedReader(stream, buffer_size=1 << 20))  # type: ignore[type-var]
    while True:
        try:
            line = buffered.readline(max_line + 1)
            if len(line) > max_line and not line.endswith(b"\n"):
                lineno += 1
                size = len(line) + _skip_line(buffered)
                yield Quarantined(lineno, f"line {lineno} is {size:,} bytes, over the {max_line:,}-byte limit; "
                                  "skipped, the other lines were kept", line[:256])
                continue
        except (EOFError, zlib.error, zipfile.BadZipFile, OSError) as exc:
            yield Quarantined(lineno + 1, f"compressed stream is broken after line {lineno} ({exc}); "
                              "the records before it were kept, re-export or re-copy the file", b"")
            return
        if not line:
            return
        lineno += 1
        yield lineno, line


def _skip_line(buffered: BinaryIO) -> int:
    """Read past the rest of an overlong line in bounded pieces; how many bytes were skipped."""
    skipped = 0
    while True:
        piece = buffered.readline(1 << 20)
        skipped += len(piece)
        if not piece or piece.endswith(b"\n"):
            return skipped
