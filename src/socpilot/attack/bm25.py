"""A compact Okapi BM25 index over a few hundred documents, in pure Python.

Postings hold each term's precomputed BM25 weight per document, so scoring a query is a
sum over the postings of its distinct terms; the index is immutable once built.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bm25:
    """Term -> ((document number, weight), ...), and per document term -> weight for the evidence."""

    postings: dict[str, tuple[tuple[int, float], ...]]
    forward: tuple[dict[str, float], ...]
    idf: dict[str, float]

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> Bm25:
        """Index documents given as term lists (document number = position)."""
        counts = [Counter(doc) for doc in documents]
        lengths = [len(doc) for doc in documents]
        average = (sum(lengths) / len(lengths)) if lengths and sum(lengths) else 1.0
        frequency: Counter[str] = Counter()
        for tf in counts:
            frequency.update(tf.keys())
        n = len(documents)
        idf = {term: math.log(1.0 + (n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        forward: list[dict[str, float]] = []
        for number, (tf, length) in enumerate(zip(counts, lengths, strict=True)):
            norm = k1 * (1.0 - b + b * length / average)
            weights = {term: idf[term] * f * (k1 + 1.0) / (f + norm) for term, f in tf.items()}
            for term, weight in weights.items():
                postings.setdefault(term, []).append((number, weight))
            forward.append(weights)
        return cls({t: tuple(p) for t, p in postings.items()}, tuple(forward), idf)

    def scores(self, query: Iterable[str]) -> dict[int, float]:
        """Document number -> BM25 score for the distinct query terms (documents scoring 0 left out)."""
        totals: dict[int, float] = {}
        for term in set(query):
            for number, weight in self.postings.get(term, ()):
                totals[number] = totals.get(number, 0.0) + weight
        return totals

    def contributions(self, query: Iterable[str], number: int) -> dict[str, float]:
        """How much each distinct query term adds to one document's score (the evidence)."""
        weights = self.forward[number]
        return {term: weights[term] for term in set(query) if term in weights}
