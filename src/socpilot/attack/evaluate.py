"""Scoring the mapper on labelled text: top-1/top-3 recall and micro-F1 at parent-technique level.

A corpus is JSONL with ``name``, ``description`` and ``techniques`` (``techniques_v18``
preferred when present). Gold labels are mapped onto v18.1 and reduced to parent
techniques. For each record the mapper's ranked techniques are reduced to distinct
parents in rank order:

- top-k recall: the share of records with a gold parent among the first k parents;
- micro-F1: over all records, the predicted set is the first ``PREDICTED`` distinct parents
  among the results scoring at least ``CUTOFF`` of the best score, compared with the gold set.

``masked`` removes every technique id and the names of the record's gold techniques
(and their parents) from the text first, so the answer cannot be read off the text.

A record that is itself one of the mapper's labelled examples (same id) is scored with that
example left out, so scoring the corpora the examples come from measures the method, not recall
of its own data. ``examples=False`` scores ATT&CK's text and the cues alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from socpilot.attack.knowledge import KnowledgeBase, load, parent_of
from socpilot.attack.mapper import Mapping, map_text

# A result counts as predicted when it scores this share of the best one, at most two parents:
# chosen on the Sigma titles corpus, which is not one of the corpora the targets are set on.
CUTOFF = 0.8
PREDICTED = 2
_ID = re.compile(r"\bT\d{4}(?:[./]\d{3})?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One evaluation record: its text and its gold v18.1 parent techniques."""

    id: str
    text: str
    gold: frozenset[str]
    names: tuple[str, ...]  # names of the gold techniques and their parents, for masking


@dataclass(frozen=True, slots=True)
class Report:
    """Evaluation counts and the rates derived from them."""

    records: int
    skipped: int  # lines that were not JSON objects or had no text or no technique
    top1: int
    top3: int
    true_positives: int
    predicted: int
    gold: int
    masked: bool

    @property
    def top1_recall(self) -> float:
        return self.top1 / self.records if self.records else 0.0

    @property
    def top3_recall(self) -> float:
        return self.top3 / self.records if self.records else 0.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def micro_f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int | bool]:
        return {"records": self.records, "skipped": self.skipped, "masked": self.masked,
                "top1_recall": round(self.top1_recall, 4), "top3_recall": round(self.top3_recall, 4),
                "micro_precision": round(self.precision, 4), "micro_recall": round(self.recall, 4),
                "micro_f1": round(self.micro_f1, 4), "top1": self.top1, "top3": self.top3,
                "true_positives": self.true_positives, "predicted": self.predicted, "gold": self.gold}


def read_corpus(path: Path, kb: KnowledgeBase | None = None) -> tuple[list[LabelledText], int]:
    """Labelled records of a JSONL file, and how many lines were skipped as unusable."""
    kb = kb or load()
    records: list[LabelledText] = []
    skipped = 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = _labelled(line, kb)
            if record is None:
                skipped += 1
            else:
                records.append(record)
    return records, skipped


def _labelled(line: bytes, kb: KnowledgeBase) -> LabelledText | None:
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(row, dict):
        return None
    text = " ".join(str(row.get(k) or "") for k in ("name", "description")).strip()
    ids = row.get("techniques_v18") or row.get("techniques") or []
    if not text or not isinstance(ids, list):
        return None
    v18 = {kb.to_v18(str(t)) for t in ids if isinstance(t, str) and t.strip()}
    gold = frozenset(parent_of(t) for t in v18)
    if not gold:
        return None
    names = {tech.name for t in v18 | gold if (tech := kb.technique(t))}
    return LabelledText(str(row.get("id") or ""), text, gold, tuple(sorted(names, key=len, reverse=True)))


def mask(text: str, names: Iterable[str]) -> str:
    """``text`` without technique ids and without the given technique names (whole words)."""
    text = _ID.sub(" ", text)
    for name in names:
        text = re.sub(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", " ", text, flags=re.IGNORECASE)
    return text


def ranked_parents(mappings: list[Mapping]) -> list[str]:
    """Distinct parent techniques in rank order."""
    return list(dict.fromkeys(parent_of(m.technique_id) for m in mappings))


def predicted_parents(mappings: list[Mapping], k: int = PREDICTED) -> set[str]:
    """The parents counted as predicted for micro-F1 (see the module notes)."""
    if not mappings:
        return set()
    best = mappings[0].score
    return set(ranked_parents([m for m in mappings if m.score >= CUTOFF * best])[:k])


def evaluate(records: Iterable[LabelledText], masked: bool = False, skipped: int = 0,
             mapper: Callable[..., list[Mapping]] = map_text, examples: bool = True) -> Report:
    """Score ``mapper`` (called as ``mapper(text, top=, examples=, exclude_examples=)``) on labelled records."""
    n = top1 = top3 = tp = predicted = gold = 0
    for record, mappings in _predictions(records, masked, mapper, examples):
        n += 1
        parents = ranked_parents(mappings)
        top1 += bool(set(parents[:1]) & record.gold)
        top3 += bool(set(parents[:3]) & record.gold)
        chosen = predicted_parents(mappings)
        tp += len(chosen & record.gold)
        predicted += len(chosen)
        gold += len(record.gold)
    return Report(n, skipped, top1, top3, tp, predicted, gold, masked)


def _predictions(records: Iterable[LabelledText], masked: bool, mapper: Callable[..., list[Mapping]],
                 examples: bool) -> Iterator[tuple[LabelledText, list[Mapping]]]:
    for record in records:
        text = mask(record.text, record.names) if masked else record.text
        # Ten results leave room for three distinct parents when sub-techniques cluster.
        yield record, mapper(text, top=10, examples=examples, exclude_examples=(record.id,))


def evaluate_file(path: Path, masked: bool = False, examples: bool = True) -> Report:
    """Read a JSONL corpus and score the mapper on it."""
    records, skipped = read_corpus(path)
    return evaluate(records, masked=masked, skipped=skipped, examples=examples)
