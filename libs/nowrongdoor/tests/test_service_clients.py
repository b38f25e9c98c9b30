"""The typed service clients: signed calls on the caller's behalf, answers and refusals typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from nowrongdoor.auth import INTERNAL_AUDIENCE, Principal, development_signing_key, verify_token
from nowrongdoor.contracts.cases import CasesClient, CaseView, StatusChange
from nowrongdoor.contracts.http import ServiceProblem, ServiceUnavailable
from nowrongdoor.contracts.intake import IntakeClient, ReceiptCheck
from nowrongdoor.contracts.routing import RoutingClient
from nowrongdoor.contracts.vocabulary import CaseStatus

REFERENCE = "NWD-7K3M9QX2VD4H"
Handler = Callable[[httpx.Request], httpx.Response]


def problem(status: int, slug: str, detail: str, **headers: str) -> httpx.Response:
    body = {"type": f"/problems/{slug}", "title": slug, "status": status, "detail": detail}
    return httpx.Response(
        status, json=body, headers={"content-type": "application/problem+json", **headers}
    )


def intake_over(handler: Handler, tmp_path: Path) -> IntakeClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return IntakeClient(http, "http://intake.test/", signing_key=development_signing_key(tmp_path))


async def test_each_call_carries_a_short_lived_token_for_the_caller(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "reference": REFERENCE,
                "received_at": "2026-11-02T10:14:05Z",
                "received_by": None,
                "language": "fr",
            },
        )

    client = intake_over(handler, tmp_path)
    caller = Principal.public().holding_receipt_for(REFERENCE)

    status = await client.check_receipt(caller, ReceiptCheck(reference=REFERENCE, receipt="1" * 16))

    assert status is not None and status.reference == REFERENCE
    request = seen[0]
    assert str(request.url) == "http://intake.test/internal/receipts/check"
    assert json.loads(request.content) == {"reference": REFERENCE, "receipt": "1" * 16}
    token = request.headers["authorization"].removeprefix("Bearer ")
    key = development_signing_key(tmp_path).public()
    verified = verify_token(token, [key], audience=INTERNAL_AUDIENCE)
    assert verified.kind == "public"
    assert verified.may_open_as_complainant(REFERENCE)


async def test_a_miss_is_none_and_never_an_error(tmp_path: Path) -> None:
    client = intake_over(lambda _request: problem(404, "not-found", "No case."), tmp_path)

    check = ReceiptCheck(reference=REFERENCE, receipt="1" * 16)

    assert await client.check_receipt(Principal.public(), check) is None
    assert await client.export_personal_data(Principal.public(), check) is None


async def test_a_refusal_is_raised_typed_by_its_problem_type_with_retry_after(
    tmp_path: Path,
) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return problem(409, "decision-pending", "Still being routed.", **{"Retry-After": "2"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = RoutingClient(
        http, "http://routing.test", signing_key=development_signing_key(tmp_path)
    )

    with pytest.raises(ServiceProblem) as raised:
        await client.triage_proposals(Principal.public())

    assert (raised.value.status, raised.value.slug) == (409, "decision-pending")
    assert raised.value.detail == "Still being routed."
    assert raised.value.headers == {"retry-after": "2"}


@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(500, text="boom"),
        lambda: httpx.Response(401, json={"detail": "bad token"}),
        lambda: httpx.Response(422, text="not a problem document"),
        lambda: httpx.Response(200, json={"unexpected": True}),
    ],
    ids=["server error", "platform signature refused", "unreadable refusal", "off-contract"],
)
async def test_what_the_caller_cannot_act_on_is_unavailable(
    tmp_path: Path, answer: Callable[[], httpx.Response]
) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _request: answer()))
    client = CasesClient(http, "http://cases.test", signing_key=development_signing_key(tmp_path))

    with pytest.raises(ServiceUnavailable) as raised:
        await client.institution_cases_answer(Principal.public(), "ma-mediateur", limit=5)

    assert raised.value.status == 503
    assert raised.value.headers == {"Retry-After": "5"}
    assert "case-tracking" in str(raised.value.detail)


async def test_an_unreachable_service_is_unavailable(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = intake_over(handler, tmp_path)

    with pytest.raises(ServiceUnavailable):
        await client.complaint_for_staff(Principal.public(), REFERENCE)


async def test_each_call_carries_the_trace_it_is_made_in(tmp_path: Path) -> None:
    """Without the httpx instrumentation, where no span is exported, the trace still goes on."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return problem(404, "not-found", "No case.")

    client = intake_over(handler, tmp_path)
    tracer = TracerProvider().get_tracer("check")

    with tracer.start_as_current_span("GET /v1/cases/{reference}") as span:
        await client.check_receipt(
            Principal.public(), ReceiptCheck(reference=REFERENCE, receipt="1" * 16)
        )

    trace_id = format(span.get_span_context().trace_id, "032x")
    assert seen[0].headers["traceparent"].split("-")[1] == trace_id


def cases_over(handler: Handler, tmp_path: Path) -> CasesClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return CasesClient(http, "http://cases.test", signing_key=development_signing_key(tmp_path))


@pytest.mark.parametrize(
    ("cache_control", "reusable"),
    [("private, max-age=120", 120), ("no-store", None), ("", None), ("max-age=soon", None)],
)
async def test_a_case_read_says_how_long_the_answer_stays_true(
    tmp_path: Path, cache_control: str, reusable: int | None
) -> None:
    view = CaseView(reference=REFERENCE, status=CaseStatus.ROUTED, institutions=[], timeline=[])
    sent = view.model_dump_json().encode()
    client = cases_over(
        lambda _request: httpx.Response(
            200, content=sent, headers={"etag": '"7"', "cache-control": cache_control}
        ),
        tmp_path,
    )

    answer = await client.case_answer(Principal.public().holding_receipt_for(REFERENCE), REFERENCE)

    assert answer is not None
    assert (answer.view, answer.body, answer.etag) == (view, sent, '"7"')
    assert answer.reusable_seconds == reusable


async def test_a_call_that_may_change_a_case_is_told_once_it_is_over(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            return problem(409, "stale-version", "The case changed since you read it.")
        if request.method == "GET":
            return problem(404, "not-found", "No such case.")
        return httpx.Response(204)

    client = cases_over(handler, tmp_path)
    told: list[str] = []

    async def changed(reference: str) -> None:
        told.append(reference)

    client.on_change = changed
    institution = Principal(client_id="c", kind="institution", institution_id="ma-mediateur")

    assert await client.case(institution, REFERENCE) is None
    await client.withdraw_relay(institution, REFERENCE)
    with pytest.raises(ServiceProblem):
        await client.change_status(
            institution, REFERENCE, StatusChange(status=CaseStatus.ACKNOWLEDGED), if_match='"1"'
        )

    assert told == [REFERENCE, REFERENCE]
