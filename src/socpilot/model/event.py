"""The normalized event: declared once here, used by every stage.

Readers build plain dicts keyed by these field names (fast path, no per-event
validation); the Arrow schema the store writes is derived from this model, so a
field added here is a column everywhere. Tests validate reader output against
the model.

Two columns keep the source's own view of a record:
- ``fields``: the record flattened to ``name -> string`` with the source's own
  field names (Sysmon ``CommandLine``, CloudTrail ``requestParameters.bucketName``),
  which is what Sigma rules name;
- ``raw``: the original record text, intact.
"""

from __future__ import annotations

import hashlib
import types
import typing
from datetime import datetime

import pyarrow as pa
from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # identity and provenance
    id: str
    time: datetime  # UTC, source offset applied
    source: str  # reader family: windows, zeek, suricata, cloudtrail, okta, entra, azure, m365, gcp, github,
    #              or the source name of a generic field mapping
    product: str | None = None  # sysmon, security, powershell, zeek, aws, okta, azure ...
    channel: str | None = None  # Windows channel, Zeek log path, Suricata event_type, ...
    event_code: str | None = None  # Windows EventID, CloudTrail eventName, Okta eventType ...
    class_uid: int = 0  # OCSF class (socpilot.model.ocsf.EventClass)
    class_name: str = "base"
    activity: str | None = None  # launch, logon, query, traffic, ...
    severity: int | None = None  # OCSF severity_id 0..6
    message: str | None = None
    file: str | None = None  # the input the record came from
    offset: int | None = None  # record index (or line) in that input
    # device and actor
    host_name: str | None = None
    host_ip: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    user_sid: str | None = None
    target_user_name: str | None = None
    target_user_domain: str | None = None
    logon_type: int | None = None
    logon_id: str | None = None
    # process
    process_name: str | None = None
    process_path: str | None = None
    process_cmd: str | None = None
    process_pid: int | None = None
    process_guid: str | None = None
    process_md5: str | None = None
    process_sha1: str | None = None
    process_sha256: str | None = None
    process_integrity: str | None = None
    parent_name: str | None = None
    parent_path: str | None = None
    parent_cmd: str | None = None
    parent_pid: int | None = None
    parent_guid: str | None = None
    # file and registry
    file_path: str | None = None
    registry_key: str | None = None
    registry_value: str | None = None
    # network
    src_ip: str | None = None
    src_port: int | None = None
    dst_ip: str | None = None
    dst_port: int | None = None
    protocol: str | None = None  # transport: tcp, udp, icmp
    app_protocol: str | None = None  # dns, http, ssl, smb ...
    direction: str | None = None  # inbound, outbound, lateral
    bytes_in: int | None = None
    bytes_out: int | None = None
    duration: float | None = None
    session_uid: str | None = None  # Zeek uid, Suricata flow_id
    # dns
    dns_query: str | None = None
    dns_qtype: str | None = None
    dns_rcode: str | None = None
    dns_answers: list[str] | None = None
    # http and tls
    http_url: str | None = None
    http_host: str | None = None
    http_method: str | None = None
    http_status: int | None = None
    user_agent: str | None = None
    tls_sni: str | None = None
    tls_ja3: str | None = None
    # cloud and identity
    cloud_provider: str | None = None
    cloud_account: str | None = None
    cloud_region: str | None = None
    cloud_service: str | None = None
    cloud_action: str | None = None
    cloud_resource: str | None = None
    cloud_principal: str | None = None
    cloud_principal_type: str | None = None
    access_key_id: str | None = None
    src_country: str | None = None
    auth_outcome: str | None = None  # success, failure
    auth_method: str | None = None
    auth_mfa: bool | None = None
    status_detail: str | None = None  # error code or failure reason
    # third-party findings (Suricata alert, Defender detection)
    finding_title: str | None = None
    finding_uid: str | None = None
    # the source's own view
    fields: dict[str, str] | None = None
    raw: str


def _arrow_type(annotation: object) -> pa.DataType:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if isinstance(annotation, types.UnionType) and args else annotation
    if base is str:
        return pa.string()
    if base is int:
        return pa.int64()
    if base is float:
        return pa.float64()
    if base is bool:
        return pa.bool_()
    if base is datetime:
        return pa.timestamp("us", tz="UTC")
    if typing.get_origin(base) is list:
        return pa.list_(pa.string())
    if typing.get_origin(base) is dict:
        return pa.map_(pa.string(), pa.string())
    raise TypeError(f"no Arrow type for {annotation!r}")


_HINTS = typing.get_type_hints(Event)
EVENT_COLUMNS: tuple[str, ...] = tuple(Event.model_fields)
EVENT_ARROW_SCHEMA = pa.schema(
    [pa.field(name, _arrow_type(_HINTS[name]), nullable=name not in ("id", "time", "source", "raw"))
     for name in EVENT_COLUMNS]
)


def event_id(source: str, raw: str | bytes) -> str:
    """Stable id of a record: the same bytes from the same source give the same id.

    Content-based rather than position-based so that a generator (the demo) can name
    an event before any reader sees it, and re-ingesting a file reproduces its ids.
    Identical records inside one input are told apart by the caller (``#n`` suffix).
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    h = hashlib.blake2b(data, digest_size=10, person=source.encode()[:16])
    return h.hexdigest()
