"""Correlation and explanation: alerts become incidents, fleet-wide patterns and narratives.

Public API (each takes a ``socpilot.api.Workspace``): ``correlate``, ``list_incidents``,
``incident`` (the narrative document), ``show`` (rendered), ``alerts_of``, ``set_status``,
``fleet_patterns``.
"""

from socpilot.correlate.fleet import FleetPattern
from socpilot.correlate.incidents import Incident
from socpilot.correlate.narrative import EvidenceMissing
from socpilot.correlate.run import (
    CorrelationReport,
    IncidentNotFound,
    alerts_of,
    correlate,
    fleet_patterns,
    incident,
    list_incidents,
    set_status,
    show,
    stored_alerts,
)
from socpilot.correlate.schema import NarrativeDocument

__all__ = ["CorrelationReport", "EvidenceMissing", "FleetPattern", "Incident", "IncidentNotFound", "NarrativeDocument", "alerts_of",
           "correlate",
           "fleet_patterns", "incident", "list_incidents", "set_status", "show", "stored_alerts"]
