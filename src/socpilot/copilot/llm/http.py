"""Providers over HTTP: any OpenAI-compatible endpoint (hosted, vLLM, Ollama, LM Studio,
llama.cpp's server) and Anthropic's Messages API. Schemas go in as structured-output requests."""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT = 60.0


class OpenAICompatible:
    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key

    def complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> str:
        body: dict[str, Any] = {"model": self.model, "temperature": 0,
                                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
        if schema is not None:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": schema, "strict": True}}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = httpx.post(f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=TIMEOUT)
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"])


class Anthropic:
    name = "anthropic"

    def __init__(self, model: str, api_key: str, base_url: str = "https://api.anthropic.com") -> None:
        self.model = model
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")

    def complete(self, system: str, user: str, schema: dict[str, Any] | None = None) -> str:
        prompt = user if schema is None else f"{user}\n\nReply with JSON only, valid against this schema:\n{schema}"
        response = httpx.post(
            f"{self.base_url}/v1/messages", timeout=TIMEOUT,
            headers={"x-api-key": self.api_key, "anthropic-version": "2023-06-01"},
            json={"model": self.model, "max_tokens": 2048, "system": system,
                  "messages": [{"role": "user", "content": prompt}]})
        response.raise_for_status()
        return "".join(part.get("text", "") for part in response.json()["content"])
