"""A read the tracking cache holds is answered before FastAPI routes it: the same answer the
route gives, and only for the readers the route lets in with nothing more to check."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from gateway.tracking import CaseReads
from gateway.tracking.cache import KeptAnswer
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CasesClient

from ..api.cases.parties import CNDH, MEDIATEUR, institution_headers, routed
from ..fakes import FakeServices


class RouteReads:
    """Counts the reads that reached the route (`CaseReads.answer`), not the edge's."""

    def __init__(self, app: FastAPI) -> None:
        reads: CaseReads = app.state.case_reads
        self.count = 0
        routed_answer = reads.answer

        async def answer(
            cases: CasesClient, caller: Principal, reference: str
        ) -> KeptAnswer | None:
            self.count += 1
            return await routed_answer(cases, caller, reference)

        reads.answer = answer  # type: ignore[method-assign]


@pytest.fixture
def route_reads(app: FastAPI) -> RouteReads:
    return RouteReads(app)


async def case_session(client: httpx.AsyncClient, reference: str, receipt: str) -> dict[str, str]:
    opened = await client.post(f"/v1/cases/{reference}/session", headers={"X-Receipt": receipt})
    assert opened.status_code == 201, opened.text
    return {"Authorization": f"Bearer {opened.json()['access_token']}"}


def comparable(answer: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    return answer.status_code, answer.content, dict(answer.headers)


@pytest.mark.parametrize(
    ("query", "accept_language"),
    [("", None), ("?language=fr", None), ("", "nl-BE, fr;q=0.8"), ("?language=ar", "de")],
)
async def test_a_cached_read_is_answered_as_the_route_answers_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    services: FakeServices,
    route_reads: RouteReads,
    query: str,
    accept_language: str | None,
) -> None:
    reference, receipt = routed(services)
    language = {"Accept-Language": accept_language} if accept_language else {}
    institution = await institution_headers(app, client, "ma-mediateur", "cases:read")
    complainant = await case_session(client, reference, receipt)

    answers = {}
    for name, reader in (("institution", institution), ("complainant", complainant)):
        url = f"/v1/cases/{reference}{query}"
        by_route = await client.get(url, headers=reader | language)
        from_cache = await client.get(url, headers=reader | language)

        assert by_route.status_code == 200, by_route.text
        assert comparable(from_cache) == comparable(by_route)
        answers[name] = from_cache
    assert route_reads.count == 2, "each reader's second read was answered before the route"
    assert services.count("case_answer") == 2
    assert answers["institution"].headers["etag"]
    assert "etag" not in answers["complainant"].headers


async def test_the_routes_own_checks_are_not_passed_by(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, route_reads: RouteReads
) -> None:
    reference, receipt = routed(services, MEDIATEUR, CNDH)
    other, other_receipt = routed(services)
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    unscoped = await institution_headers(app, client, "ma-cndh", "cases:write")
    session_of_other = await case_session(client, other, other_receipt)
    url = f"/v1/cases/{reference}"
    assert (await client.get(url, headers=reader)).status_code == 200
    route_reads.count = 0

    refused_language = await client.get(f"{url}?language=xx", headers=reader)
    twice = await client.get(f"{url}?language=fr&language=en", headers=reader)
    without_scope = await client.get(url, headers=unscoped)
    another_case = await client.get(url, headers=session_of_other)
    with_receipt = await client.get(url, headers={"X-Receipt": receipt})
    wrong_receipt = await client.get(url, headers={"X-Receipt": other_receipt})

    assert refused_language.status_code == 422
    assert twice.status_code == 200
    assert without_scope.status_code == 403
    assert another_case.status_code == 404
    assert with_receipt.status_code == 200
    assert wrong_receipt.status_code == 404
    # The edge answers only with a case; each refusal above is the route's, and the two reads it
    # let in, the route read.
    assert route_reads.count == 2
