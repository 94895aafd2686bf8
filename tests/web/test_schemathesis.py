"""Property-based tests of /api/v1 against its own OpenAPI document: no request gives a server
error, and every answer is one the document describes (status code, content type and body
schema, errors included).

Hypothesis is driven from inside the test (``as_strategy``): schemathesis' own pytest plugin
does not run under pytest 9 ("'Function' object has no attribute '_nodeid'").
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import Desk

EXAMPLES = 6  # per operation and mode: keeps `make test` fast
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_api_answers_only_what_its_openapi_document_describes(desk: Desk) -> None:
    for n in range(3):  # a few incidents, so that generated ids sometimes hit a real one
        desk.open(caller=f"user{n}")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", desk.app)
    headers = desk.auth("admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()
