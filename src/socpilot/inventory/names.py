"""How names are compared across sources: ``CORP\\Alice`` on Windows, ``alice@corp.com`` in Okta,
``arn:aws:iam::1:user/alice`` in CloudTrail and ``ALICE`` in a spreadsheet are one person."""

from __future__ import annotations

_NOT_A_NAME = {"", "-", "n/a", "none", "null", "unknown", "system", "local service", "network service"}


def normalise_host(value: str | None) -> str | None:
    """Lower-case short host name: ``WS-042.corp.example`` -> ``ws-042``; IPs are not host names."""
    if not value:
        return None
    text = value.strip().strip("\\").lower()
    if not text or text in _NOT_A_NAME or text.replace(".", "").isdigit():
        return None
    return text.split(".", 1)[0]


def normalise_user(value: str | None) -> str | None:
    """Lower-case account name without domain, realm or ARN path."""
    if not value:
        return None
    text = value.strip().lower()
    if text.startswith("arn:"):
        text = text.rsplit("/", 1)[-1] if "/" in text else text.rsplit(":", 1)[-1]
    if "\\" in text:
        text = text.rsplit("\\", 1)[-1]
    if "@" in text:
        text = text.split("@", 1)[0]
    text = text.strip()
    if text in _NOT_A_NAME or text.endswith("$"):  # machine accounts are hosts, not people
        return None
    return text
