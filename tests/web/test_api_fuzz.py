"""Property-based fuzz of the console API from its own OpenAPI schema: no input yields a server error.

The store holds a hostile-looking record; the fuzzer sends whatever the schema allows
to every operation, including hostile questions, ids and bodies.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from socpilot.api import Workspace
from socpilot.web import create_app

EXAMPLES = 25


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("fuzz") / "home"
    log = Path(str(home) + "-dns.log")
    log.write_text("#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tanswers\n"
                   "#types\ttime\tstring\taddr\taddr\tstring\tvector[string]\n"
                   "1700000000.000000\tC1\t10.0.0.5\t10.0.0.1\t<script>alert(1)</script>.example\t203.0.113.7\n")
    Workspace.open(home).ingest([log])
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(home))


def test_no_request_makes_the_api_fail(schema) -> None:  # type: ignore[no-untyped-def]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}")

        call()
    assert failures == []
