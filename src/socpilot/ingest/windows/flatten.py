"""The shapes Windows records come in, flattened to one ``name -> string`` dict.

Names are the ones Sigma rules use: EventData/UserData leaves under their own
names, System fields as EventID, Channel, Provider_Name, Computer, ... Shapes:

- evtx_dump / EVTX parser JSON: ``{"Event": {"System": {...}, "EventData": {...}}}``;
- NXLog (OTRF) flat records: EventData and System side by side (``SourceName``,
  ``Hostname`` renamed to ``Provider_Name``, ``Computer``);
- Winlogbeat: ``{"winlog": {"event_data": {...}, "channel": ...}, "@timestamp": ...}``;
- Azure Sentinel tables (SecurityEvent, WindowsEvent, Event): flat columns with
  ``EventData`` as an XML or JSON string.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import orjson

# NXLog and Sentinel names for System fields -> Sigma's names (only when Sigma's is absent).
_RENAMES = (("SourceName", "Provider_Name"), ("Provider", "Provider_Name"),
            ("EventSourceName", "Provider_Name"), ("Hostname", "Computer"))
_XML_DATA = re.compile(r'<Data Name="([^"]+)"\s*(?:/>|>(.*?)</Data>)', re.S)


def text(value: Any) -> str:
    """A JSON value as the string Sigma compares against."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return orjson.dumps(value).decode()


def _leaves(node: Any, name: str, out: dict[str, str]) -> None:
    """EventData/UserData leaves under their own names (XML attributes such as xmlns dropped)."""
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "#attributes":
                continue
            _leaves(child, name if key == "#text" else key, out)
    elif node is not None:
        out[name] = text(node)


def _attr(node: Any, name: str) -> Any:
    return node.get("#attributes", {}).get(name) if isinstance(node, dict) else None


def from_event_xml_json(doc: dict[str, Any]) -> dict[str, str]:
    """evtx_dump / EVTX parser JSON (the XML rendered as JSON) -> Sigma-named fields."""
    event = doc.get("Event", doc)
    system = event.get("System") or {}
    out: dict[str, str] = {}
    for key, value in system.items():
        if value is None:
            continue
        if key == "Provider":
            for attr, attr_value in (value.get("#attributes") or {}).items():
                out[f"Provider_{attr}"] = text(attr_value)
        elif key == "EventID":
            if isinstance(value, dict):
                qualifiers = _attr(value, "Qualifiers")
                if qualifiers is not None:
                    out["Qualifiers"] = text(qualifiers)
                value = value.get("#text")
            if value is not None:
                out["EventID"] = text(value)
        elif key == "TimeCreated":
            stamp = _attr(value, "SystemTime")
            if stamp is not None:
                out["TimeCreated"] = text(stamp)
        elif key in ("Execution", "Correlation", "Security"):
            for attr, attr_value in (value.get("#attributes") or {}).items():
                # Execution's ProcessID is the logging process: keep it apart from EventData's.
                name = attr if key != "Execution" else f"Execution_{attr}"
                out[name] = text(attr_value)
        else:
            out[key] = text(value)
    for key, value in event.items():
        if key not in ("System", "#attributes") and value is not None:
            _leaves(value, key, out)
    return out


def from_flat(record: dict[str, Any]) -> dict[str, str]:
    """NXLog and Sentinel flat records -> Sigma-named fields (in place: this is the hot path)."""
    absent: list[str] = []
    for key, value in record.items():
        if type(value) is not str:
            if value is None:
                absent.append(key)
            else:
                record[key] = text(value)  # a value, not a key, changes: iteration stays valid
    for key in absent:
        del record[key]
    out: dict[str, str] = record
    event_data = out.get("EventData")
    if event_data is not None and isinstance(record.get("EventData"), str):
        out.update(_embedded(event_data))
    for old, new in _RENAMES:
        if old in out and new not in out:
            out[new] = out.pop(old)
    return out


def _embedded(data: str) -> dict[str, str]:
    """Sentinel's ``EventData`` column: a JSON object or the XML ``<EventData>`` element."""
    data = data.strip()
    if data.startswith("{"):
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return {}
        return {k: text(v) for k, v in parsed.items() if v is not None} if isinstance(parsed, dict) else {}
    if data.startswith("<"):
        return {name: unescape(value or "") for name, value in _XML_DATA.findall(data)}
    return {}


def from_winlogbeat(record: dict[str, Any]) -> dict[str, str]:
    """Winlogbeat's ``winlog`` object -> Sigma-named fields (plus its ``@timestamp``)."""
    winlog = record.get("winlog") or {}
    out: dict[str, str] = {}
    for data_key in ("event_data", "user_data"):
        _leaves(winlog.get(data_key) or {}, data_key, out)
    for src, dst in (("event_id", "EventID"), ("channel", "Channel"), ("provider_name", "Provider_Name"),
                     ("computer_name", "Computer"), ("record_id", "EventRecordID"), ("task", "Task"),
                     ("opcode", "Opcode"), ("provider_guid", "Provider_Guid")):
        if winlog.get(src) is not None:
            out[dst] = text(winlog[src])
    if record.get("@timestamp") is not None:
        out["@timestamp"] = text(record["@timestamp"])
    return out


def flatten(record: dict[str, Any]) -> dict[str, str]:
    """Any supported Windows JSON shape -> Sigma-named fields (a flat record is reused)."""
    if "Event" in record and isinstance(record["Event"], dict):
        return from_event_xml_json(record)
    if "winlog" in record and isinstance(record["winlog"], dict):
        return from_winlogbeat(record)
    return from_flat(record)


def looks_windows(record: Any) -> bool:
    """Whether a parsed JSON record is a Windows event in one of the shapes above."""
    if not isinstance(record, dict):
        return False
    event = record.get("Event")
    if isinstance(event, dict) and isinstance(event.get("System"), dict):
        return True
    winlog = record.get("winlog")
    if isinstance(winlog, dict) and "event_id" in winlog:
        return True
    return "EventID" in record and any(
        key in record for key in ("Channel", "SourceName", "Provider_Name", "EventSourceName", "Provider"))
