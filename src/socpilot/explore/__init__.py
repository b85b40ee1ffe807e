"""Exploring the store: the overview of what is happening, and single events with their evidence."""

from socpilot.explore.events import EventNotFound, get_event
from socpilot.explore.overview import overview

__all__ = ["EventNotFound", "get_event", "overview"]
