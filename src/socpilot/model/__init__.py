"""Typed records shared by every stage: the normalized event and its identity."""

from socpilot.model.event import EVENT_ARROW_SCHEMA, EVENT_COLUMNS, Event, event_id
from socpilot.model.ocsf import EventClass

__all__ = ["EVENT_ARROW_SCHEMA", "EVENT_COLUMNS", "Event", "EventClass", "event_id"]
