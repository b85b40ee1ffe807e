"""Which ATT&CK data components the stored telemetry provides, and so which techniques we can see."""

from socpilot.datasources.availability import available_components, missing_components

__all__ = ["available_components", "missing_components"]
