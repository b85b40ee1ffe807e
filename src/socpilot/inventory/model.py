"""Assets and identities as analysts describe them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Criticality = Literal["low", "medium", "high", "critical"]


class Asset(BaseModel):
    hostname: str  # lower-case short name: the join key with telemetry
    ips: list[str] = Field(default_factory=list)
    mac: str | None = None
    os: str | None = None
    role: str | None = None  # workstation, server, domain_controller ...
    owner: str | None = None
    criticality: Criticality | None = None
    business_service: str | None = None
    origin: Literal["imported", "discovered"] = "imported"


class Identity(BaseModel):
    user: str  # lower-case account name without domain: the join key with telemetry
    email: str | None = None
    display_name: str | None = None
    department: str | None = None
    groups: list[str] = Field(default_factory=list)
    privileged: bool | None = None
    mfa_enrolled: bool | None = None
    manager: str | None = None
    aliases: list[str] = Field(default_factory=list)  # Okta login, cloud principal names, SIDs
    origin: Literal["imported", "discovered"] = "imported"
