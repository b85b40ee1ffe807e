"""A question being parsed: its text and which characters a recognizer has already used.

Recognizers claim spans; whatever no recognizer claimed is what the parser could
not map, and is reported back to the analyst word by word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache


@cache
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase on word boundaries (hyphens and dots belong to words, so 'ws-01' is one word)."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<![\w\-]){body}(?![\w\-]|\.\w)")


@cache
def phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the phrases on word boundaries; at each position the longest phrase wins."""
    body = "|".join(r"\s+".join(re.escape(word) for word in p.split())
                    for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w\-])(?:{body})(?![\w\-]|\.\w)")


@dataclass
class Text:
    original: str
    lower: str = ""
    used: list[bool] = field(default_factory=list)
    lo: int = 0  # a window onto part of the question (one step of a sequence); shares ``used``
    hi: int | None = None

    def __post_init__(self) -> None:
        self.lower = self.original.lower()
        if not self.used:
            self.used = [False] * len(self.original)

    def window(self, lo: int, hi: int) -> Text:
        return Text(self.original, used=self.used, lo=lo, hi=hi)

    def free(self, start: int, end: int) -> bool:
        return not any(self.used[start:end])

    def take(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = True

    def release(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = False

    def matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches of a pattern over the lower-cased text that touch no used character."""
        hi = len(self.lower) if self.hi is None else self.hi
        pos = self.lo
        while pos <= hi and (m := pattern.search(self.lower, pos, hi)) is not None:
            if m.end() > m.start() and self.free(m.start(), m.end()):
                yield m
                pos = m.end()
            else:  # a used span: look again just after its start, where a shorter match may be free
                pos = m.start() + 1

    def first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first free match of a pattern, if any."""
        return next(self.matches(pattern), None)

    def find_phrase(self, phrases: list[str]) -> re.Match[str] | None:
        """The first free occurrence of any of the phrases (the longest one at that position)."""
        return self.first(phrases_pattern(tuple(phrases)))

    def take_phrase(self, phrases: list[str]) -> re.Match[str] | None:
        m = self.find_phrase(phrases)
        if m:
            self.take(m.start(), m.end())
        return m

    def take_all(self, phrases: list[str]) -> int:
        taken = 0
        while self.take_phrase(phrases):
            taken += 1
        return taken

    def before(self, start: int, words: int = 2, free_only: bool = False) -> list[str]:
        """The (lower-cased) words just before a position, nearest last; optionally only unused ones."""
        head = self.lower[:start]
        if free_only:
            head = "".join(" " if used else ch for ch, used in zip(head, self.used, strict=False))
        return re.findall(r"[\w\-']+", head)[-words:]

    def leftover(self) -> list[str]:
        """Words no recognizer used, in order (punctuation dropped)."""
        chars = "".join(" " if used else ch for ch, used in zip(self.original, self.used, strict=True))
        return re.findall(r"[^\s,;:?!()\"'`]+", chars)
