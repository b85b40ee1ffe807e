"""Baseline profiles as data (``profiles.yml``), turned into sqlglot trees once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import sqlglot
import yaml
from sqlglot import exp


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    entity: exp.Expr
    value: exp.Expr
    where: exp.Expr

    def aggregate(self) -> exp.Select:
        """Per (entity, value): first and last time, count, and the first event as evidence."""
        return (
            exp.select(
                exp.alias_(self.entity.copy(), "entity"),
                exp.alias_(self.value.copy(), "value"),
                exp.alias_(exp.func("min", exp.column("time")), "first_seen"),
                exp.alias_(exp.func("max", exp.column("time")), "last_seen"),
                exp.alias_(exp.func("count", exp.Star()), "n"),
                exp.alias_(exp.func("arg_min", exp.column("id"), exp.column("time")), "first_id"),
            )
            .from_("events")
            .where(self.where.copy())
            .group_by(exp.Literal.number(1), exp.Literal.number(2))
        )

    def evidence(self) -> exp.Select:
        """Events of one (entity, value) in a time range, oldest first; all values bound."""
        return (
            exp.select("id")
            .from_("events")
            .where(self.where.copy())
            .where(exp.EQ(this=self.entity.copy(), expression=exp.Placeholder()))
            .where(exp.EQ(this=self.value.copy(), expression=exp.Placeholder()))
            .where(exp.GTE(this=exp.column("time"), expression=exp.Placeholder()))
            .order_by("time")
            .limit(exp.Placeholder())
        )


def _tree(text: str) -> exp.Expr:
    return sqlglot.parse_one(text, dialect="duckdb")


@lru_cache(maxsize=1)
def profiles() -> dict[str, Profile]:
    table = yaml.safe_load(files("socpilot.baseline").joinpath("profiles.yml").read_text())
    return {name: Profile(name, spec["description"], _tree(spec["entity"]), _tree(spec["value"]),
                          _tree(spec["where"]))
            for name, spec in table.items()}
