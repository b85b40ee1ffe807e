"""Windows normalization shared by every Windows reader: flatten a record, then map it.

``to_event(record_fields, raw, offset)`` is the one entry point readers use; the
tables behind it are ``mapping.yaml``.
"""

from socpilot.ingest.windows.flatten import flatten, looks_windows
from socpilot.ingest.windows.mapping import WindowsMapping, load_mapping
from socpilot.ingest.windows.normalize import NotAnEvent, normalize

__all__ = ["NotAnEvent", "WindowsMapping", "flatten", "load_mapping", "looks_windows", "normalize"]
