"""Property-based tests of the public API against its own OpenAPI document.

Schemathesis generates valid and invalid requests for every operation the gateway documents
and checks that none causes a server error, that every answer conforms to the document, and
that invalid input is refused.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import Platform

EXAMPLES_PER_OPERATION = 25
# Schema-valid input may still be refused for what it means (an institution id nobody has);
# every other check — no server error, answers as documented, invalid input refused — applies.
SEMANTIC = [positive_data_acceptance]
# A request HTTP itself forbids (a header name with a space or an ampersand, a Content-Length
# that is no number) is refused by the server's HTTP parser, in plain text, before the gateway
# sees it; the API document describes what the gateway answers.
PARSER_REFUSAL = "Invalid HTTP request received."


def test_every_operation_keeps_its_documented_contract(platform: Platform) -> None:
    schema = schemathesis.openapi.from_url(f"{platform.gateway}/openapi.json")
    tested: list[str] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the OpenAPI document has an invalid operation: {result}"
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def keeps_contract(case: Any) -> None:
                response = case.call(base_url=platform.gateway)
                if response.status_code == 400 and response.text == PARSER_REFUSAL:
                    return
                case.validate_response(response, excluded_checks=SEMANTIC)

            try:
                keeps_contract()
            except Unsatisfiable:
                # An operation without parameters or body has no invalid form to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
        tested.append(operation.label)

    assert "POST /v1/complaints" in tested
    assert "GET /v1/cases/{reference}" in tested
