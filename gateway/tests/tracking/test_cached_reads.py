"""A read the tracking cache holds is answered before FastAPI routes it: the same answer the
route gives, and only for the readers the route lets in with nothing more to check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from gateway.edge.authentication import bearer_token
from gateway.pages.sessions import TrackingSessions
from gateway.tracking import CaseReads
from gateway.tracking.cache import KeptAnswer
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.cases import CasesClient
from nowrongdoor.testing.apps import eventually

from ..api.cases.parties import CNDH, MEDIATEUR, client_headers, institution_headers, routed
from ..fakes import FakeServices
from .test_tracking_cache import publish_status_change


class RouteReads:
    """Counts the reads and the pages that reached the route (`CaseReads.answer` and
    `CaseReads.page`), not the edge's."""

    def __init__(self, app: FastAPI) -> None:
        reads: CaseReads = app.state.case_reads
        self.count = 0
        self.pages = 0
        routed_answer, routed_page = reads.answer, reads.page

        async def answer(
            cases: CasesClient, caller: Principal, reference: str
        ) -> KeptAnswer | None:
            self.count += 1
            return await routed_answer(cases, caller, reference)

        async def page(
            cases: CasesClient, caller: Principal, query: str, **asked: Any
        ) -> KeptAnswer:
            self.pages += 1
            return await routed_page(cases, caller, query, **asked)

        reads.answer = answer  # type: ignore[method-assign]
        reads.page = page  # type: ignore[method-assign]


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


class RedisCommands:
    """Counts the commands the gateway sends Redis, by name, on any of its connections: the
    client's pool and the tracking cache's own."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[str] = []
        send: Callable[..., Awaitable[None]] = Connection.send_command

        async def counted(connection: Connection, *args: Any, **options: Any) -> None:
            self.sent.append(str(args[0]).upper())
            await send(connection, *args, **options)

        monkeypatch.setattr(Connection, "send_command", counted)

    def during(self) -> list[str]:
        sent, self.sent = self.sent, []
        return sent


async def test_a_complainant_s_cached_read_finds_the_session_and_the_answer_in_one_command(
    app: FastAPI,
    client: httpx.AsyncClient,
    services: FakeServices,
    route_reads: RouteReads,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference, receipt = routed(services)
    complainant = await case_session(client, reference, receipt)
    institution = await institution_headers(app, client, "ma-mediateur", "cases:read")
    url = f"/v1/cases/{reference}"
    for reader in (complainant, institution):
        assert (await client.get(url, headers=reader)).status_code == 200
    commands = RedisCommands(monkeypatch)
    route_reads.count = 0

    by_complainant = await client.get(url, headers=complainant)
    complainants_commands = commands.during()
    by_institution = await client.get(url, headers=institution)

    assert by_complainant.status_code == by_institution.status_code == 200
    assert by_complainant.json()["reference"] == reference
    assert route_reads.count == 0, "both were answered from the cache"
    # The same commands as an institution's read, which has no session to look up: the rate
    # limit's and the cache's look.
    assert complainants_commands == commands.during() == ["EVALSHA", "EVALSHA"]


async def test_a_cached_read_restarts_the_session_and_an_ended_one_is_refused(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, route_reads: RouteReads
) -> None:
    reference, receipt = routed(services)
    complainant = await case_session(client, reference, receipt)
    url = f"/v1/cases/{reference}"
    assert (await client.get(url, headers=complainant)).status_code == 200
    redis: Redis = app.state.redis
    sessions: TrackingSessions = app.state.tracking_sessions
    session = sessions.key_of(bearer_token(complainant["Authorization"]) or "")
    assert session is not None
    await redis.expire(session, 5)

    again = await client.get(url, headers=complainant)
    restarted = await redis.ttl(session)
    ended = await client.delete(f"{url}/session", headers=complainant)
    after_the_end = await client.get(url, headers=complainant)

    assert again.status_code == 200
    assert restarted > 5, "the read started the session's idle time again"
    assert ended.status_code == 204
    assert after_the_end.status_code == 401
    assert after_the_end.json()["type"].endswith("invalid-token")
    assert reference not in after_the_end.text
    assert route_reads.count == 1, "only the first read reached the route"


def listed(services: FakeServices) -> int:
    """How many times case tracking was asked for a page of a list."""
    return services.count("institution_cases")


@pytest.mark.parametrize("query", ["", "?limit=1", "?status=routed&limit=5"])
async def test_a_cached_page_is_answered_as_the_route_answers_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    services: FakeServices,
    route_reads: RouteReads,
    query: str,
) -> None:
    routed(services)
    routed(services)
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")

    by_route = await client.get(f"/v1/cases{query}", headers=reader)
    from_cache = await client.get(f"/v1/cases{query}", headers=reader)

    assert by_route.status_code == 200, by_route.text
    assert by_route.json()["items"]
    assert comparable(from_cache) == comparable(by_route)
    assert by_route.headers["cache-control"] == "no-store"
    assert listed(services) == 1
    assert route_reads.pages == 1, "the second page was answered before the route"


async def test_a_change_to_any_case_makes_the_next_page_ask_case_tracking(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, bus: Bus
) -> None:
    routed(services)
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    first = await client.get("/v1/cases", headers=reader)
    assert len(first.json()["items"]) == 1
    # A case of another institution's list changes, or a new one opens: no page is kept.
    newest, _receipt = routed(services, CNDH)
    services.cases.routed(newest, MEDIATEUR)

    await publish_status_change(bus, newest)

    async def listed_again() -> bool:
        page = await client.get("/v1/cases", headers=reader)
        return len(page.json()["items"]) == 2

    await eventually(listed_again, timeout=10)
    assert listed(services) >= 2


async def test_pages_the_route_refuses_or_may_not_keep_are_the_routes_own(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, route_reads: RouteReads
) -> None:
    routed(services)
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    unscoped = await institution_headers(app, client, "ma-mediateur", "cases:write")
    ngo = await client_headers(app, client, "ngo", "ngo-transparency-maroc", "cases:read")
    assert (await client.get("/v1/cases?limit=5", headers=reader)).status_code == 200
    route_reads.pages = 0

    for _ in range(2):
        assert (await client.get("/v1/cases?limit=0", headers=reader)).status_code == 422
        assert (await client.get("/v1/cases?limit=5", headers=unscoped)).status_code == 403
        assert (await client.get("/v1/cases?limit=5", headers=ngo)).status_code == 200

    # The institution's page was asked once; the NGO's list, which is never kept, each time,
    # through the route.
    assert listed(services) == 3
    assert route_reads.pages == 2
