"""Okta System Log events (the ``/api/v1/logs`` object), one JSON object per line."""

from __future__ import annotations

from typing import Any

import orjson

from socpilot.demo.formats.clock import iso_ms


def event(ts: float, uuid: str, event_type: str, legacy: str | None, message: str, actor: dict[str, Any],
          client: dict[str, Any], outcome: str, session: str, transaction: str,
          credential_type: str | None = None, targets: list[dict[str, Any]] | None = None,
          reason: str | None = None, debug: dict[str, Any] | None = None,
          security: dict[str, Any] | None = None, severity: str = "INFO") -> str:
    rec = {
        "actor": actor,
        "client": client,
        "device": None,
        "authenticationContext": {"authenticationProvider": None, "credentialProvider": None,
                                  "credentialType": credential_type, "issuer": None, "interface": None,
                                  "authenticationStep": 0, "externalSessionId": session},
        "displayMessage": message,
        "eventType": event_type,
        "outcome": {"result": outcome, "reason": reason},
        "published": iso_ms(ts),
        "securityContext": security or {"asNumber": None, "asOrg": None, "isp": None, "domain": None,
                                        "isProxy": None},
        "severity": severity,
        "debugContext": {"debugData": debug or {}},
        "legacyEventType": legacy,
        "transaction": {"type": "WEB", "id": transaction, "detail": {}},
        "uuid": uuid,
        "version": "0",
        "request": {"ipChain": [{"ip": client["ipAddress"], "geographicalContext": client["geographicalContext"],
                                 "version": "V4", "source": None}]},
        "target": targets or [],
    }
    return orjson.dumps(rec).decode()


def actor(user_id: str, login: str, display: str) -> dict[str, Any]:
    return {"id": user_id, "type": "User", "alternateId": login, "displayName": display, "detailEntry": None}


def client(ip: str, user_agent: str, os_name: str, browser: str, geo: dict[str, Any]) -> dict[str, Any]:
    return {"userAgent": {"rawUserAgent": user_agent, "os": os_name, "browser": browser}, "zone": "null",
            "device": "Computer", "id": None, "ipAddress": ip, "geographicalContext": geo}


def geo(city: str, state: str, country: str, postal: str, lat: float, lon: float) -> dict[str, Any]:
    return {"city": city, "state": state, "country": country, "postalCode": postal,
            "geolocation": {"lat": lat, "lon": lon}}
