"""Text (and events) to ranked ATT&CK techniques, offline, with the evidence for each.

Three kinds of evidence add up to a technique's score:

- lexical: BM25 over ATT&CK's own text per technique (name, description, detection
  strategies and analytics, procedure examples), each field its own index, combined by
  weight and scaled so the best technique scores 1;
- names and ids: the technique's name spelled out in the text, or its id;
- cues: curated patterns (tools, command-line idioms, API calls, event ids, cloud API
  names) from ``cues.yaml``, each pointing at techniques with a weight;
- examples: the public detections and report sentences nearest to the text vote for the
  techniques their authors tagged them with (``examples.py``);
- meaning, only with the ``embed`` extra installed: a sentence-embedding model's nearest
  technique descriptions and examples (``embeddings.py``).

Smaller terms refine the ranking: a tactic named in the text, support from sibling
sub-techniques that also match, and a popularity prior from ATT&CK's procedure examples.
Sentences that only speculate about consequences ("this could allow an attacker to ...")
are dropped first. Only active v18.1 techniques are ever returned.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from socpilot.attack import embeddings
from socpilot.attack.bm25 import Bm25
from socpilot.attack.cues import Cue, load_cues
from socpilot.attack.examples import NEIGHBOURS, ExampleBank, packaged
from socpilot.attack.knowledge import KnowledgeBase, Technique, load
from socpilot.attack.text import terms, words

# How much each field's BM25 score counts; the name is the most specific text ATT&CK has.
FIELD_WEIGHTS: dict[str, float] = {"name": 1.0, "description": 1.0, "detection": 0.6, "procedures": 0.5}
NAME_BONUS = 0.6  # the technique's full name appears in the text
SHORT_NAME_BONUS = 0.2  # a one-word name ("Rootkit", "Services") is weaker evidence
ID_BONUS = 2.0  # the text cites the technique id itself
TACTIC_BONUS = 0.15  # the text names one of the technique's tactics
FAMILY_SUPPORT = 0.15  # share of the two best relatives' scores
EXAMPLE_WEIGHT = 1.5  # the most voted technique of the nearest examples; chosen leaving each example out in turn
# With the embed extra only: the technique whose description is nearest in meaning, and the most
# voted technique of the examples nearest in meaning (chosen leaving each shared record out).
DENSE_WEIGHT = 1.0
DENSE_EXAMPLE_WEIGHT = 0.5
DENSE_TECHNIQUES = 10  # techniques the description similarity ranks, the best scaled to 1 and the 11th to 0
PRIOR = 0.1  # how much a technique family's use by real adversaries (ATT&CK procedure examples) counts
EVIDENCE_TERMS = 6
MAX_CHARS = 100_000  # a longer text (a whole log file pasted in) is cut: past this it adds noise, not evidence

_TECHNIQUE_ID = re.compile(r"\bT\d{4}(?:\.\d{3})?\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_CONSEQUENCE = re.compile(r"\bif confirmed malicious\b|\b(?:could|can|may|might|would)\s+(?:potentially\s+)?"
                          r"(?:allow|lead|enable|result|permit|facilitate|give|grant)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mapping:
    """One technique suggested for a text, its score and why."""

    technique_id: str
    name: str
    score: float
    evidence: list[str] = field(default_factory=list)
    tactics: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"technique_id": self.technique_id, "name": self.name, "score": round(self.score, 4),
                "tactics": list(self.tactics), "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class _Index:
    techniques: tuple[Technique, ...]
    fields: dict[str, Bm25]
    names: dict[tuple[str, ...], list[tuple[int, float]]]  # name words -> (technique number, bonus)
    longest_name: int
    number: dict[str, int]
    cues: tuple[Cue, ...]
    tactics: dict[tuple[str, ...], tuple[str, tuple[int, ...]]]  # tactic name stems -> (shortname, techniques)
    prior: tuple[float, ...]


def field_texts(tech: Technique, kb: KnowledgeBase) -> dict[str, str]:
    """The text of each indexed field of one technique."""
    parent = kb.technique(tech.parent) if tech.parent else None
    return {
        "name": f"{tech.name} {parent.name if parent else ''}",
        "description": tech.description,
        "detection": " ".join((*tech.detection_strategies, *tech.analytics, *tech.log_sources)),
        "procedures": " ".join(tech.procedures),
    }


@lru_cache(maxsize=1)
def index() -> _Index:
    """The mapper's index over the active techniques, built once per process."""
    kb = load()
    techniques = tuple(kb.techniques())
    texts = [field_texts(t, kb) for t in techniques]
    fields = {name: Bm25.build([terms(text[name]) for text in texts], b=0.3 if name == "name" else 0.75)
              for name in FIELD_WEIGHTS}
    names: dict[tuple[str, ...], list[tuple[int, float]]] = {}
    for number, tech in enumerate(techniques):
        key = tuple(_NAME_WORD.findall(tech.name.lower()))
        if len(tech.name) > 3 and key:  # "At" or "DNS" alone would match everywhere
            bonus = NAME_BONUS if len(key) > 1 or len(tech.name) >= 12 else SHORT_NAME_BONUS
            names.setdefault(key, []).append((number, bonus))
    numbers = {t.id: i for i, t in enumerate(techniques)}
    cues = tuple(c for c in load_cues() if all(kb.is_active(tid) for tid in c.techniques))
    tactics = {tuple(terms(t.name)): (t.shortname, tuple(i for i, tech in enumerate(techniques)
                                                         if t.shortname in tech.tactics))
               for t in kb.tactics()}
    return _Index(techniques, fields, names, max(map(len, names)), numbers, cues, tactics,
                  popularity(techniques))


def popularity(techniques: tuple[Technique, ...]) -> tuple[float, ...]:
    """Per technique, 0..1: log of its family's procedure examples over the most used family's.

    A tie-breaker between equally matching techniques: widely used ones are likelier.
    """
    uses: dict[str, int] = {}
    for tech in techniques:
        uses[tech.parent_id] = uses.get(tech.parent_id, 0) + len(tech.procedures)
    top = math.log1p(max(uses.values(), default=0)) or 1.0
    return tuple(math.log1p(uses[t.parent_id]) / top for t in techniques)


def map_text(text: str, top: int = 5, event: Any = None, examples: bool = True,
             exclude_examples: Collection[str] = (), dense: bool = True) -> list[Mapping]:
    """Rank techniques for ``text`` (plus the salient fields of ``event``, if given).

    ``event`` may be an Event, an Alert, or any mapping; its string values are read as text.
    ``examples=False`` scores on ATT&CK's text and the cues alone; ``exclude_examples`` names
    labelled examples to ignore (an evaluation scoring a text that is itself an example).
    ``dense=False`` leaves the embedding model out even when the ``embed`` extra is installed.
    """
    if event is not None:
        text = f"{text}\n{event_text(event)}"
    if not text.strip() or top <= 0:
        return []
    text = behaviour_text(text[:MAX_CHARS])
    idx = index()
    query = terms(text)
    scores: dict[int, float] = {}
    evidence: dict[int, list[str]] = {}

    lexical: dict[int, float] = {}
    for name, bm25 in idx.fields.items():
        for number, score in bm25.scores(query).items():
            lexical[number] = lexical.get(number, 0.0) + FIELD_WEIGHTS[name] * score
    best = max(lexical.values(), default=0.0)
    for number, score in lexical.items():
        scores[number] = score / best

    for shortname, members in _tactic_hits(idx, query):
        for number in members:
            scores[number] = scores.get(number, 0.0) + TACTIC_BONUS
            evidence.setdefault(number, []).append(f"tactic: {shortname}")

    lowered = text.lower()
    for phrase, hits in _name_hits(idx, lowered):
        for number, bonus in hits:
            scores[number] = scores.get(number, 0.0) + bonus
            evidence.setdefault(number, []).append(f"name: '{phrase}'")

    kb = load()
    for cited in {m.group(0).upper() for m in _TECHNIQUE_ID.finditer(text)}:
        found_number = idx.number.get(kb.to_v18(cited))
        if found_number is not None:
            scores[found_number] = scores.get(found_number, 0.0) + ID_BONUS
            evidence.setdefault(found_number, []).append(f"id: {cited}")

    for cue in idx.cues:
        found = cue.search(text, lowered)
        if not found:
            continue
        for tid, weight in cue.techniques.items():
            number = idx.number[tid]
            scores[number] = scores.get(number, 0.0) + weight
            evidence.setdefault(number, []).append(f"cue: '{_clip(found.group(0))}' ({cue.why})")

    scores = _with_family_support(idx, scores, evidence)
    scores = {number: score + PRIOR * idx.prior[number] for number, score in scores.items()}
    if examples:
        _add_example_votes(idx, query, exclude_examples, scores, evidence)
    if dense and (model := dense_index()) is not None:
        _add_meaning(idx, model, text, exclude_examples, scores, evidence)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], idx.techniques[item[0]].id))[:top]
    surface = _surface_words(text)
    results = []
    for number, score in ranked:
        tech = idx.techniques[number]
        reasons = list(evidence.get(number, []))
        reasons.extend(_lexical_evidence(idx, query, number, surface))
        results.append(Mapping(tech.id, tech.name, score, reasons, tech.tactics))
    return results


def _with_family_support(idx: _Index, scores: dict[int, float], evidence: dict[int, list[str]]) -> dict[int, float]:
    """Add to each technique a share of its two best-scoring relatives (same parent technique).

    Text about one behaviour usually matches several sub-techniques of it a little; that
    agreement is evidence for the family, which a single stray match elsewhere lacks.
    """
    families: dict[str, list[int]] = {}
    for number in scores:
        families.setdefault(idx.techniques[number].parent_id, []).append(number)
    out = dict(scores)
    for members in families.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda n: -scores[n])
        for number in members:
            relatives = [n for n in members if n != number][:2]
            out[number] += FAMILY_SUPPORT * sum(scores[n] for n in relatives)
            if scores[relatives[0]] >= 0.5:
                evidence.setdefault(number, []).append(
                    "related: " + ", ".join(idx.techniques[n].id for n in relatives))
    return out


@lru_cache(maxsize=1)
def example_bank() -> ExampleBank:
    """The packaged examples, labels restricted to the techniques this index returns (built once)."""
    return packaged(frozenset(index().number))


def _add_example_votes(idx: _Index, query: list[str], exclude: Collection[str], scores: dict[int, float],
                       evidence: dict[int, list[str]]) -> None:
    """Add the nearest labelled examples' votes, naming the two closest voters as evidence."""
    for tid, vote in example_bank().votes(query, exclude=exclude).items():
        number = idx.number.get(tid)  # a parent outside the active set is not returned
        if number is None:
            continue
        scores[number] = scores.get(number, 0.0) + EXAMPLE_WEIGHT * vote.weight
        for example, similarity in vote.examples[:2]:
            evidence.setdefault(number, []).append(
                f"example: {example.cite(similarity)}")


@lru_cache(maxsize=1)
def dense_index() -> embeddings.DenseIndex | None:
    """The embedding model with the vectors of every technique and example, or None without the extra."""
    if not embeddings.available():
        return None
    idx = index()
    bank = example_bank()
    return embeddings.build([f"{t.name}. {t.description}" for t in idx.techniques],
                            [f"{e.name} {e.description}".strip() for e in bank.examples])


def _add_meaning(idx: _Index, model: embeddings.DenseIndex, text: str, exclude: Collection[str],
                 scores: dict[int, float], evidence: dict[int, list[str]]) -> None:
    """Add the techniques and examples nearest to ``text`` in the embedding space."""
    vector = model.encode(text)
    ranked = model.nearest_techniques(vector, DENSE_TECHNIQUES + 1)
    best, floor = ranked[0][1], ranked[-1][1]
    for number, similarity in ranked[:-1]:
        share = (similarity - floor) / (best - floor) if best > floor else 1.0
        scores[number] = scores.get(number, 0.0) + DENSE_WEIGHT * share
        evidence.setdefault(number, []).append(f"meaning: cosine {similarity:.2f} with the technique's description")
    bank = example_bank()
    for tid, vote in bank.tally(model.nearest_examples(vector, NEIGHBOURS, bank.excluded(exclude))).items():
        voted = idx.number.get(tid)
        if voted is None:
            continue
        scores[voted] = scores.get(voted, 0.0) + DENSE_EXAMPLE_WEIGHT * vote.weight
        example, similarity = vote.examples[0]
        evidence.setdefault(voted, []).append(
            f"example by meaning: {example.cite(similarity)}")


def behaviour_text(text: str) -> str:
    """``text`` without the sentences that speculate about consequences ("If confirmed
    malicious, this could allow an attacker to ...", "... may lead to data exfiltration"):
    they name what might follow, not the behaviour observed, and would pull in other techniques.
    The text is kept whole when every sentence speculates."""
    sentences = _SENTENCE.split(text)
    kept = [s for s in sentences if not _CONSEQUENCE.search(s)]
    return " ".join(kept) if kept else text


def _tactic_hits(idx: _Index, query: list[str]) -> list[tuple[str, tuple[int, ...]]]:
    """Tactics named in the text ("persistence", "lateral movement"), matched on stems."""
    found = {}
    for key, hit in idx.tactics.items():
        size = len(key)
        if any(tuple(query[i:i + size]) == key for i in range(len(query) - size + 1)):
            found[key] = hit
    return list(found.values())


def _name_hits(idx: _Index, lowered: str) -> list[tuple[str, list[tuple[int, float]]]]:
    """Technique names spelled out in the text, matched as whole-word sequences."""
    tokens = _NAME_WORD.findall(lowered)
    found: dict[tuple[str, ...], list[tuple[int, float]]] = {}
    for start in range(len(tokens)):
        for size in range(1, min(idx.longest_name, len(tokens) - start) + 1):
            key = tuple(tokens[start:start + size])
            if key in idx.names:
                found[key] = idx.names[key]
    return [(" ".join(key), hits) for key, hits in found.items()]


def _lexical_evidence(idx: _Index, query: list[str], number: int, surface: dict[str, str]) -> list[str]:
    out = []
    for name, bm25 in idx.fields.items():
        found = bm25.contributions(query, number)
        if found:
            best = sorted(found, key=lambda t: -found[t])[:EVIDENCE_TERMS]
            out.append(f"{name} words: " + ", ".join(surface.get(t, t) for t in best))
    return out


def _surface_words(text: str) -> dict[str, str]:
    """Stem -> the first word of the text that produced it, to show evidence as written."""
    out: dict[str, str] = {}
    for word in words(text):
        for term in terms(word):
            out.setdefault(term, word)
    return out


def _clip(value: str, width: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


# Event attributes that describe identity or bookkeeping, not behaviour.
_SKIP = frozenset({"id", "raw", "time", "file", "offset", "source", "host_ip", "src_ip", "dst_ip", "process_guid",
                   "parent_guid", "logon_id", "session_uid", "process_md5", "process_sha1", "process_sha256",
                   "tls_ja3", "first_time", "last_time", "event_ids", "group_key", "rule_id", "count"})


def event_text(event: Any) -> str:
    """The behaviour-describing text of an Event, an Alert or a plain mapping."""
    record = event.model_dump() if hasattr(event, "model_dump") else event
    if not isinstance(record, MappingType):
        return str(record)
    parts: list[str] = []
    code = record.get("event_code")
    if code and str(record.get("source", "")).lower() == "windows":
        parts.append(f"EventID {code}")
    for key, value in record.items():
        if key in _SKIP or value is None or isinstance(value, bool):
            continue
        if isinstance(value, MappingType):
            parts.extend(f"{k} {v}" for k, v in value.items() if isinstance(v, str) and v)
        elif isinstance(value, list | tuple):
            parts.extend(str(v) for v in value if isinstance(v, str))
        elif isinstance(value, str):
            parts.append(value)
    return "\n".join(parts)
