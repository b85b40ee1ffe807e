"""The same HuntQuery as DuckDB and ClickHouse SQL (one tree) and as KQL, SPL and ES|QL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from socpilot.hunt.compile import cidr_regex, compile_hunt
from socpilot.hunt.query import HuntQuery
from socpilot.hunt.render import render

GOLDEN = yaml.safe_load((Path(__file__).parent / "golden_renders.yaml").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_sql_for_duckdb_and_clickhouse_matches_golden(case: dict) -> None:
    compiled = compile_hunt(HuntQuery.model_validate(case["query"]), NOW)
    assert compiled.sql() == case["duckdb"]
    assert compiled.sql("clickhouse") == case["clickhouse"]
    params = [p if isinstance(p, int | list) else str(p) for p in compiled.params()]
    assert params == case["params"]


@pytest.mark.parametrize("target", ["kql", "spl", "esql"])
@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_siem_rendering_matches_golden(case: dict, target: str) -> None:
    assert render(HuntQuery.model_validate(case["query"]), target, NOW) == case[target]


def test_cidr_regex_matches_exactly_the_network() -> None:
    import ipaddress
    import re
    pattern = re.compile(cidr_regex("10.1.16.0/20"))
    inside = [str(ip) for ip in ipaddress.ip_network("10.1.16.0/20")][::97]
    outside = ["10.1.15.255", "10.1.32.0", "110.1.16.1", "10.1.160.1"]
    assert all(pattern.match(ip) for ip in inside)
    assert not any(pattern.match(ip) for ip in outside)


def test_unknown_target_is_refused() -> None:
    with pytest.raises(ValueError, match="kql, spl, esql"):
        render(HuntQuery(), "sigma", NOW)
