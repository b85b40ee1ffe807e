"""The offline English parser: entities, vocabulary (YAML), time expressions, question families."""

from socpilot.hunt.parse.known import Known
from socpilot.hunt.parse.parser import Clarification, ParseResult, parse_question

__all__ = ["Clarification", "Known", "ParseResult", "parse_question"]
