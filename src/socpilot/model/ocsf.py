"""OCSF event classes used by socpilot.

The names and uids follow OCSF 1.x so that a reader who knows OCSF knows where an
event lands; registry activity uses the Windows extension's class.
"""

from enum import IntEnum


class EventClass(IntEnum):
    BASE = 0
    FILE = 1001
    KERNEL_EXTENSION = 1002  # driver loads
    MODULE = 1005  # image loads
    SCHEDULED_JOB = 1006
    PROCESS = 1007
    ACCOUNT_CHANGE = 3001
    AUTHENTICATION = 3002
    GROUP_MANAGEMENT = 3006
    NETWORK = 4001
    HTTP = 4002
    DNS = 4003
    SSH = 4007
    SMB = 4006
    TLS = 4011  # not an OCSF class of its own; kept apart so TLS/x509 records can be asked for
    API = 6003  # cloud API activity (CloudTrail, Azure activity, ...)
    DETECTION = 2004  # third-party alerts (Suricata, Defender)
    REGISTRY = 201001
    SERVICE = 201004  # Windows service install/change
    SCRIPT = 1009  # script block / module logging

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    EventClass.BASE: "base",
    EventClass.FILE: "file",
    EventClass.KERNEL_EXTENSION: "driver",
    EventClass.MODULE: "module",
    EventClass.SCHEDULED_JOB: "scheduled_job",
    EventClass.PROCESS: "process",
    EventClass.ACCOUNT_CHANGE: "account_change",
    EventClass.AUTHENTICATION: "authentication",
    EventClass.GROUP_MANAGEMENT: "group_management",
    EventClass.NETWORK: "network",
    EventClass.HTTP: "http",
    EventClass.DNS: "dns",
    EventClass.SSH: "ssh",
    EventClass.SMB: "smb",
    EventClass.TLS: "tls",
    EventClass.API: "api",
    EventClass.DETECTION: "detection",
    EventClass.REGISTRY: "registry",
    EventClass.SERVICE: "service",
    EventClass.SCRIPT: "script",
}
