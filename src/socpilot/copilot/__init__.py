"""The copilot: investigation questions answered with cited evidence, and response options a human decides."""

from socpilot.copilot.answer import Answer, Cited
from socpilot.copilot.investigate import investigate
from socpilot.copilot.response import ProposedAction, decide, list_actions

__all__ = ["Answer", "Cited", "ProposedAction", "decide", "investigate", "list_actions"]
