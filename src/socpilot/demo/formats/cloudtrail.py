"""CloudTrail records and the ``{"Records": [...]}`` files AWS delivers to S3."""

from __future__ import annotations

import gzip
import io
from typing import Any

import orjson

from socpilot.demo.formats.clock import iso_s


def identity(kind: str, account: str, name: str, principal_id: str, access_key: str | None = None,
             mfa: bool = False, session_ts: float | None = None) -> dict[str, Any]:
    """``userIdentity`` for an IAM user, an assumed role session or an AWS service."""
    if kind == "AWSService":
        return {"type": "AWSService", "invokedBy": name}
    if kind == "AssumedRole":
        role, session = name.split("/", 1)
        ident: dict[str, Any] = {
            "type": "AssumedRole", "principalId": f"{principal_id}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}", "accountId": account,
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": principal_id,
                                                 "arn": f"arn:aws:iam::{account}:role/{role}",
                                                 "accountId": account, "userName": role},
                               "attributes": {"creationDate": iso_s(session_ts or 0), "mfaAuthenticated": "false"}},
        }
    else:
        ident = {"type": "IAMUser", "principalId": principal_id, "arn": f"arn:aws:iam::{account}:user/{name}",
                 "accountId": account, "userName": name}
        if session_ts is not None:
            ident["sessionContext"] = {"attributes": {"creationDate": iso_s(session_ts),
                                                      "mfaAuthenticated": "true" if mfa else "false"}}
    if access_key:
        ident["accessKeyId"] = access_key
    return ident


def record(ts: float, event_id: str, request_id: str, account: str, region: str, source: str, name: str,
           ident: dict[str, Any], source_ip: str, user_agent: str, request: dict[str, Any] | None,
           response: dict[str, Any] | None = None, read_only: bool | None = True,
           additional: dict[str, Any] | None = None, event_type: str = "AwsApiCall",
           resources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": ident, "eventTime": iso_s(ts), "eventSource": source,
        "eventName": name, "awsRegion": region, "sourceIPAddress": source_ip, "userAgent": user_agent,
        "requestParameters": request, "responseElements": response,
    }
    if additional is not None:
        rec["additionalEventData"] = additional
    if event_type != "AwsConsoleSignIn":
        rec["requestID"] = request_id
    rec["eventID"] = event_id
    if read_only is not None:
        rec["readOnly"] = read_only
    if resources:
        rec["resources"] = resources
    rec["eventType"] = event_type
    rec["managementEvent"] = source != "s3.amazonaws.com" or name not in ("GetObject", "PutObject")
    rec["recipientAccountId"] = account
    rec["eventCategory"] = "Management" if rec["managementEvent"] else "Data"
    if event_type == "AwsApiCall":
        rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                             "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"}
    return rec


def raw_text(rec: dict[str, Any]) -> str:
    """The record's ``raw`` under socpilot's convention for records inside a ``Records`` file."""
    return orjson.dumps(rec, option=orjson.OPT_SORT_KEYS).decode()


def file_bytes(records: list[dict[str, Any]]) -> bytes:
    """A delivered log file: gzip of ``{"Records": [...]}``, with a fixed gzip header (reproducible)."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
        gz.write(orjson.dumps({"Records": records}))
    return buf.getvalue()
