"""Evaluating the copilot: routing accuracy and entity recall over a question set."""

from socpilot.copilot.eval.evaluate import EvalReport, evaluate_ask, shipped_questions

__all__ = ["EvalReport", "evaluate_ask", "shipped_questions"]
