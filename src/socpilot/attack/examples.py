"""Labelled examples: texts their authors tagged with ATT&CK techniques, as nearest neighbours.

ATT&CK's own prose says what a technique is; it rarely says how detection engineers and
report writers describe it ("net user /delete" is Account Access Removal, "gpupdate.exe with
no arguments" is a Cobalt Strike injection target). Thousands of public rules and report
sentences already carry that mapping. The closest of them to a text (BM25 over the same
terms as the mapper) vote for their techniques, each vote weighted by its similarity to
the best neighbour; the examples themselves are the evidence shown.

The packaged examples (``labelled/``, see its NOTICE.txt for sources and licences) are
Splunk detections, SigmaHQ rule titles and descriptions, and TRAM report sentences.
"""

from __future__ import annotations

import gzip
import heapq
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from operator import itemgetter

import orjson

from socpilot.attack.bm25 import Bm25
from socpilot.attack.knowledge import parent_of
from socpilot.attack.text import terms

# Examples that vote, and BM25's length normalisation (examples range from a rule title to a
# long description): both chosen leaving each shared corpus record out in turn.
NEIGHBOURS = 15
LENGTH_NORMALISATION = 0.3


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text: where it comes from and the techniques its author gave it."""

    id: str
    name: str
    description: str
    techniques: tuple[str, ...]
    author: str = ""
    url: str = ""

    @property
    def title(self) -> str:
        """The name, or the start of the text for untitled examples (report sentences)."""
        text = self.name or self.description
        return text if len(text) <= 80 else text[:79] + "…"

    def cite(self, similarity: float) -> str:
        """How evidence names this example: title, author (the DRL asks Sigma rule authors be
        credited wherever a rule's text is used), id and similarity."""
        by = f" by {self.author}" if self.author else ""
        return f"'{self.title}'{by} ({self.id}, similarity {similarity:.2f})"


@dataclass(frozen=True, slots=True)
class Vote:
    """A technique's share of the neighbours' votes (best technique = 1) and who cast them."""

    weight: float
    examples: tuple[tuple[Example, float], ...]  # (example, similarity to the best neighbour)


@dataclass(frozen=True, slots=True)
class ExampleBank:
    """Examples with a BM25 index over their text."""

    examples: tuple[Example, ...]
    index: Bm25
    numbers: dict[str, int]  # example id -> position

    @classmethod
    def build(cls, examples: Iterable[Example]) -> ExampleBank:
        kept = tuple(examples)
        return cls(kept, Bm25.build([terms(f"{e.name} {e.description}") for e in kept], b=LENGTH_NORMALISATION),
                   {e.id: n for n, e in enumerate(kept)})

    def votes(self, query: list[str], k: int = NEIGHBOURS, exclude: Collection[str] = ()) -> dict[str, Vote]:
        """Technique id -> vote of the ``k`` examples nearest to the query terms (BM25).

        ``exclude`` names example ids to leave out (an evaluation scoring a record that is
        itself an example).
        """
        scores = self.index.scores(query)
        for number in self.excluded(exclude):
            scores.pop(number, None)
        return self.tally(heapq.nlargest(k, scores.items(), key=itemgetter(1)))

    def excluded(self, ids: Collection[str]) -> list[int]:
        """Positions of the examples named by ``ids`` (unknown ids are ignored)."""
        return [self.numbers[i] for i in ids if i in self.numbers]

    def tally(self, ranked: list[tuple[int, float]]) -> dict[str, Vote]:
        """Votes of ranked neighbours (example position, similarity), best first.

        Each neighbour's vote is its similarity over the best one's. A neighbour votes for
        each technique it is labelled with and for their parents, so neighbours that agree
        on the behaviour but differ on the sub-technique still add up.
        """
        if not ranked or ranked[0][1] <= 0:
            return {}
        best = ranked[0][1]
        tally: dict[str, float] = {}
        voters: dict[str, list[tuple[Example, float]]] = {}
        for number, score in ranked:
            example, similarity = self.examples[number], score / best
            for tid in dict.fromkeys((*example.techniques, *map(parent_of, example.techniques))):
                tally[tid] = tally.get(tid, 0.0) + similarity
                voters.setdefault(tid, []).append((example, similarity))
        top = max(tally.values())
        return {tid: Vote(weight / top, tuple(voters[tid])) for tid, weight in tally.items()}


def read_examples(lines: Iterable[bytes], active: Collection[str] | None = None) -> list[Example]:
    """Examples from JSONL lines (``id``, ``name``, ``description``, ``techniques``...).

    With ``active``, labels outside it are dropped, and examples left without any.
    """
    out = []
    for line in lines:
        if not line.strip():
            continue
        row = orjson.loads(line)
        techniques = tuple(t for t in row.get("techniques") or () if active is None or t in active)
        if techniques:
            out.append(Example(str(row["id"]), row.get("name") or "", row.get("description") or "",
                               techniques, row.get("author") or "", row.get("url") or ""))
    return out


@lru_cache(maxsize=1)
def packaged(active: frozenset[str]) -> ExampleBank:
    """The packaged examples, labels restricted to the ``active`` technique ids."""
    folder = resources.files("socpilot.attack").joinpath("labelled")
    examples: list[Example] = []
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if item.name.endswith(".jsonl.gz"):
            examples.extend(read_examples(gzip.decompress(item.read_bytes()).splitlines(), active))
    return ExampleBank.build(examples)
