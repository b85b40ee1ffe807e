"""Optional language models. Off unless configured; the offline path never needs one.

A model may only ever produce socpilot's typed forms (a HuntQuery, a tool call, a
ranking of given candidates, a rewrite that keeps every citation); its output is
validated and anything else is discarded for the template answer.
"""

from socpilot.copilot.llm.config import LLMConfig, load_provider
from socpilot.copilot.llm.provider import Provider, ScriptedProvider
from socpilot.copilot.llm.tasks import ToolCall, draft_hunt, rerank_techniques, rewrite_narrative, understand

__all__ = ["LLMConfig", "Provider", "ScriptedProvider", "ToolCall", "load_provider", "rerank_techniques",
           "draft_hunt", "rewrite_narrative", "understand"]
