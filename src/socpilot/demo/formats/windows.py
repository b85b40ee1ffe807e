"""Windows events as NXLog ``im_msvistalog`` JSON lines (the OTRF Security-Datasets layout).

One flat object per event: NXLog's header keys, then the event's own EventData names
(``Image``, ``CommandLine``, ``TargetUserName`` ...), values as strings like NXLog writes them.
"""

from __future__ import annotations

from typing import Any

import orjson

from socpilot.demo.formats.clock import parts, second, second_spaced

# channel key -> (Channel, SourceName, ProviderGuid, Keywords)
_CHANNELS: dict[str, tuple[str, str, str, str]] = {
    "sysmon": ("Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon",
               "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "-9223372036854775808"),
    "security": ("Security", "Microsoft-Windows-Security-Auditing",
                 "{54849625-5478-4994-A5BA-3E3B0328C30D}", "-9214364837600034816"),
    "system": ("System", "Service Control Manager", "{555908D1-A6D7-4695-8E1E-26931D2012F4}",
               "-9187343239835811840"),
    "powershell": ("Microsoft-Windows-PowerShell/Operational", "Microsoft-Windows-PowerShell",
                   "{A0C1853B-5C40-4B15-8766-3CF1C58F985A}", "0"),
}
# Task (category) numbers as Windows logs them; Sysmon's task is its event id.
_TASKS = {4624: 12544, 4634: 12545, 4672: 12548, 4625: 12544, 4768: 14339, 4769: 14337, 4688: 13312,
          7045: 0, 4104: 2}
_EXEC_PID = {"sysmon": 3120, "security": 716, "system": 708, "powershell": 6212}


def event(fqdn: str, ts: float, channel: str, event_id: int, data: dict[str, Any]) -> str:
    """One event line. ``data`` holds the EventData fields in the order Windows lists them."""
    chan, source, guid, keywords = _CHANNELS[channel]
    whole, us = parts(ts)
    ms = f".{us // 1000:03d}"
    record: dict[str, Any] = {
        "EventTime": second_spaced(whole),
        "Hostname": fqdn,
        "Keywords": keywords,
        "EventType": "AUDIT_SUCCESS" if channel == "security" and event_id != 4625 else "INFO",
        "SeverityValue": 2,
        "Severity": "INFO",
        "EventID": event_id,
        "SourceName": source,
        "ProviderGuid": guid,
        "Version": 5 if channel == "sysmon" else 2,
        "Task": event_id if channel == "sysmon" else _TASKS.get(event_id, 0),
        "OpcodeValue": 0,
        "ExecutionProcessID": _EXEC_PID[channel],
        "Channel": chan,
        "Domain": "NT AUTHORITY",
        "AccountName": "SYSTEM",
        "UserID": "S-1-5-18",
        "AccountType": "User",
        "Opcode": "Info",
    }
    if channel == "sysmon":
        record["RuleName"] = "-"
        record["UtcTime"] = second_spaced(whole) + ms
    record.update(data)
    record["EventReceivedTime"] = second_spaced(whole + 1)
    record["SourceModuleName"] = "eventlog"
    record["SourceModuleType"] = "im_msvistalog"
    record["@version"] = "1"
    record["@timestamp"] = second(whole) + ms + "Z"
    return orjson.dumps(record).decode()
