"""Console accounts: roles, argon2 password hashes and API tokens, kept in the workspace."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

Role = Literal["viewer", "analyst", "admin"]
ROLE_RANK: dict[str, int] = {"viewer": 0, "analyst": 1, "admin": 2}
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: Role

    def can(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]


class UserStore:
    """``<home>/web/users.json``: name -> role, password hash, sha256 of API tokens."""

    def __init__(self, home: Path) -> None:
        self.path = home / "web" / "users.json"

    def _load(self) -> dict[str, dict[str, object]]:
        if not self.path.exists():
            return {}
        return orjson.loads(self.path.read_bytes())

    def _save(self, data: dict[str, dict[str, object]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def any(self) -> bool:
        return bool(self._load())

    def add(self, name: str, role: Role, password: str) -> None:
        if role not in ROLE_RANK:
            raise ValueError(f"unknown role {role!r}")
        if len(password) < 8:
            raise ValueError("a password needs at least 8 characters")
        data = self._load()
        data[name] = {"role": role, "hash": _HASHER.hash(password), "tokens": []}
        self._save(data)

    def new_token(self, name: str) -> str:
        data = self._load()
        if name not in data:
            raise KeyError(name)
        token = secrets.token_urlsafe(32)
        tokens = list(data[name].get("tokens", []))  # type: ignore[call-overload]
        tokens.append(hashlib.sha256(token.encode()).hexdigest())
        data[name]["tokens"] = tokens
        self._save(data)
        return token

    def verify_password(self, name: str, password: str) -> User | None:
        entry = self._load().get(name)
        if not entry:
            _HASHER.hash(password)  # same cost either way: no user enumeration by timing
            return None
        try:
            _HASHER.verify(str(entry["hash"]), password)
        except (VerificationError, InvalidHashError):
            return None
        return User(name, entry["role"])  # type: ignore[arg-type]

    def verify_token(self, token: str) -> User | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        for name, entry in self._load().items():
            if any(secrets.compare_digest(digest, t) for t in entry.get("tokens", [])):  # type: ignore[attr-defined]
                return User(name, entry["role"])  # type: ignore[arg-type]
        return None
