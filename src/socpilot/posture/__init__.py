"""The fundamentals report: the unexotic weaknesses that cost most, found in the telemetry we have."""

from socpilot.posture.report import Finding, FindingItem, posture_report, render_markdown

__all__ = ["Finding", "FindingItem", "posture_report", "render_markdown"]
