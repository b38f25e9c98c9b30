"""Rate limits, anonymous submission limits and the body size limit, as callers meet them."""

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from gateway.edge.limit_settings import LimitSettings
from gateway.edge.limits import Limits
from nowrongdoor.auth import API_AUDIENCE, Principal, development_signing_key, issue_token
from nowrongdoor.ids import new_receipt, new_reference

from ..api_clients import register
from ..fakes import FakeServices, complaint
from ..limiting import (
    FakeClock,
    Gateway,
    StartGateway,
    gateway_settings,
    lifetimes_under,
    running_gateway,
    stored_under,
)

ROOMY = {
    "rate_limits": True,
    "rate_limit_per_client": "1000/minute",
    "rate_limit_public_paths": "1000/minute",
    "submissions_anonymous": "1000/hour",
    "max_body_bytes": 1_000_000,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
def start(
    services: FakeServices, clock: FakeClock, redis_url: str, redis_prefix: str, tmp_path: Path
) -> StartGateway:
    def gateway(**limits: object) -> AbstractAsyncContextManager[Gateway]:
        settings = LimitSettings.model_validate({**ROOMY, **limits})
        return running_gateway(
            gateway_settings(redis_url, redis_prefix, tmp_path),
            services,
            Limits(settings=settings, clock=clock),
        )

    return gateway


def case_url() -> str:
    return f"/v1/cases/{new_reference()}"


def receipt() -> dict[str, str]:
    return {"X-Receipt": new_receipt()}


def signed(data_dir: Path, client_id: str, institution: str) -> dict[str, str]:
    """A bearer token for `client_id`, signed with the gateway's own key."""
    principal = Principal(
        client_id=client_id,
        kind="institution",
        institution_id=institution,
        scopes=frozenset({"cases:read"}),
    )
    issued = issue_token(
        development_signing_key(data_dir), principal, audience=API_AUDIENCE, ttl_seconds=300
    )
    return {"Authorization": f"Bearer {issued}"}


async def token(gateway: Gateway, data_dir: Path, institution: str) -> dict[str, str]:
    """A bearer token of a newly registered client of `institution`."""
    registered = await register(gateway.app, institution=institution, scopes=("cases:read",))
    return signed(data_dir, registered.client_id, institution)


def assert_rate_limited(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == str(retry_after)
    problem = response.json()
    assert problem["type"] == "/problems/rate-limited"
    assert f"try again in {retry_after} seconds" in problem["detail"]


async def test_a_caller_over_its_limit_is_told_when_to_come_back(
    start: StartGateway, clock: FakeClock
) -> None:
    async with start(rate_limit_public_paths="3/minute") as gateway:
        citizen = await gateway.client()
        for _ in range(3):
            assert (await citizen.get(case_url(), headers=receipt())).status_code == 404

        refused = await citizen.get(case_url(), headers=receipt())

        assert_rate_limited(refused, retry_after=20)
        assert refused.headers["referrer-policy"] == "no-referrer"
        clock.advance(19)
        assert (await citizen.get(case_url(), headers=receipt())).status_code == 429
        clock.advance(1)
        assert (await citizen.get(case_url(), headers=receipt())).status_code == 404


async def test_each_route_has_its_own_budget(start: StartGateway, services: FakeServices) -> None:
    async with start(rate_limit_public_paths="2/minute") as gateway:
        citizen = await gateway.client()
        for _ in range(2):
            await citizen.get(case_url(), headers=receipt())
        assert (await citizen.get(case_url(), headers=receipt())).status_code == 429

        filed = await citizen.post("/v1/complaints", json=complaint())

        assert filed.status_code == 201
        assert len(services.submissions) == 1


async def test_callers_do_not_share_buckets(start: StartGateway, tmp_path: Path) -> None:
    async with start(rate_limit_public_paths="2/minute", rate_limit_per_client="3/minute") as gw:
        first = await gw.client("198.51.100.7")
        for _ in range(2):
            await first.get(case_url(), headers=receipt())
        assert (await first.get(case_url(), headers=receipt())).status_code == 429

        neighbour = await gw.client("198.51.100.8")
        assert (await neighbour.get(case_url(), headers=receipt())).status_code == 404

        # An API client behind the same address counts on its own, against its own limit.
        institution = await gw.client("198.51.100.7", await token(gw, tmp_path, "ma-mediateur"))
        answers = [await institution.get(case_url(), headers=receipt()) for _ in range(4)]
        assert [answer.status_code == 429 for answer in answers] == [False, False, False, True]
        assert all(answer.status_code < 500 for answer in answers)
        other = await gw.client("198.51.100.7", await token(gw, tmp_path, "ma-cndh"))
        assert (await other.get(case_url(), headers=receipt())).status_code != 429

        # A token that does not verify, or names no registered client, buys no fresh bucket.
        forged = await gw.client("198.51.100.7", {"Authorization": "Bearer not.a.token"})
        assert (await forged.get(case_url(), headers=receipt())).status_code == 429
        stranger = signed(tmp_path, "nwdc_neverregistered0", "ma-cndh")
        unknown = await gw.client("198.51.100.7", stranger)
        assert (await unknown.get(case_url(), headers=receipt())).status_code == 429


async def test_an_ipv6_caller_is_counted_by_its_64_prefix(start: StartGateway) -> None:
    async with start(rate_limit_public_paths="1/minute") as gateway:
        home = await gateway.client("2001:db8:1:2::1")
        assert (await home.get(case_url(), headers=receipt())).status_code == 404
        same_home = await gateway.client("2001:db8:1:2:ffff::9")
        assert (await same_home.get(case_url(), headers=receipt())).status_code == 429
        elsewhere = await gateway.client("2001:db8:1:3::1")
        assert (await elsewhere.get(case_url(), headers=receipt())).status_code == 404


async def test_anonymous_submissions_are_limited_and_refusals_do_not_count(
    start: StartGateway, services: FakeServices
) -> None:
    async with start(submissions_anonymous="2/hour", max_body_bytes=4000) as gateway:
        citizen = await gateway.client()
        assert (await citizen.post("/v1/complaints", json=complaint())).status_code == 201
        invalid = await citizen.post("/v1/complaints", json=complaint(category="gossip"))
        assert invalid.status_code == 422
        too_large = await citizen.post("/v1/complaints", json=complaint(description="x" * 5000))
        assert too_large.status_code == 413
        assert (await citizen.post("/v1/complaints", json=complaint())).status_code == 201

        refused = await citizen.post("/v1/complaints", json=complaint())

        assert_rate_limited(refused, retry_after=1800)
        assert "complaints were filed from this network" in refused.json()["detail"]
        assert len(services.submissions) == 2
        elsewhere = await gateway.client("203.0.113.50")
        assert (await elsewhere.post("/v1/complaints", json=complaint())).status_code == 201


async def test_a_retry_answered_again_does_not_count_as_another_complaint(
    start: StartGateway, services: FakeServices
) -> None:
    async with start(submissions_anonymous="1/hour") as gateway:
        citizen = await gateway.client()
        retry = {"Idempotency-Key": "complaint-9d1e7a52-4c3b"}
        first = await citizen.post("/v1/complaints", json=complaint(), headers=retry)
        again = await citizen.post("/v1/complaints", json=complaint(), headers=retry)

        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert len(services.submissions) == 1
        another = await citizen.post("/v1/complaints", json=complaint(description="x" * 40))
        assert_rate_limited(another, retry_after=3600)


async def test_rate_limits_off_lifts_rate_and_submission_limits_but_not_the_body_limit(
    services: FakeServices,
    clock: FakeClock,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NWD_RATE_LIMITS", "off")
    settings = LimitSettings(
        rate_limit_public_paths="1/minute", submissions_anonymous="1/hour", max_body_bytes=4000
    )
    gateway_config = gateway_settings(redis_url, redis_prefix, tmp_path)
    async with running_gateway(gateway_config, services, Limits(settings, clock)) as gateway:
        citizen = await gateway.client()
        for _ in range(3):
            assert (await citizen.get(case_url(), headers=receipt())).status_code == 404
            assert (await citizen.post("/v1/complaints", json=complaint())).status_code == 201

        too_large = await citizen.post("/v1/complaints", json=complaint(description="x" * 5000))

        assert too_large.status_code == 413
        assert len(services.submissions) == 3


def test_every_limit_is_read_from_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "NWD_RATE_LIMITS": "off",
        "NWD_RATE_LIMIT_PER_CLIENT": "500/hour",
        "NWD_RATE_LIMIT_PUBLIC_PATHS": "30/minute",
        "NWD_SUBMISSIONS_ANONYMOUS": "3/day",
        "NWD_MAX_BODY_BYTES": "2_000_000",
        "NWD_RECEIPT_FAILURES_BEFORE_DELAY": "4",
        "NWD_RECEIPT_FAILURES_BEFORE_LOCK": "8",
        "NWD_RECEIPT_LOCK_SECONDS": "600",
    }.items():
        monkeypatch.setenv(name, value)

    settings = LimitSettings()

    assert settings.rate_limits is False
    assert (settings.per_client.count, settings.per_client.period_seconds) == (500, 3600)
    assert str(settings.public_paths) == "30/minute"
    assert str(settings.anonymous_submissions) == "3/day"
    assert settings.max_body_bytes == 2_000_000
    assert settings.receipt_failures_before_delay == 4
    assert settings.receipt_failures_before_lock == 8
    assert settings.receipt_lock_seconds == 600
    monkeypatch.setenv("NWD_SUBMISSIONS_ANONYMOUS", "plenty")
    with pytest.raises(ValidationError, match="not a rate like"):
        LimitSettings()


async def test_a_body_over_the_limit_never_reaches_the_services(
    start: StartGateway, services: FakeServices
) -> None:
    async with start(max_body_bytes=2000) as gateway:
        citizen = await gateway.client()
        body = json.dumps(complaint(description="x" * 3000)).encode()

        declared = await citizen.post(
            "/v1/complaints", content=body, headers={"content-type": "application/json"}
        )

        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.json() == {
            "type": "/problems/request-too-large",
            "title": "Request too large",
            "status": 413,
            "detail": "The request body is larger than the 2000 bytes accepted.",
        }

        async def chunks() -> AsyncIterator[bytes]:
            for start_at in range(0, len(body), 500):
                yield body[start_at : start_at + 500]

        request = citizen.build_request(
            "POST", "/v1/complaints", content=chunks(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in request.headers
        streamed = await citizen.send(request)

        assert streamed.status_code == 413
        assert streamed.json() == declared.json()
        assert services.submissions == {}
        fits = await citizen.post("/v1/complaints", json=complaint(description="x" * 1500))
        assert fits.status_code == 201


async def test_redis_holds_no_network_address(
    start: StartGateway, redis_url: str, redis_prefix: str
) -> None:
    addresses = ["127.0.0.1", "198.51.100.7", "2001:db8:1:2::7"]
    async with start(rate_limit_public_paths="2/minute") as gateway:
        for address in addresses:
            caller = await gateway.client(address)
            await caller.post("/v1/complaints", json=complaint())
            for _ in range(3):
                await caller.get(case_url(), headers=receipt())

    stored = await stored_under(redis_url, redis_prefix)

    assert len(stored) >= 3 * len(addresses)
    everything = json.dumps(stored)
    for fragment in [*addresses, "2001:db8", "198.51.100", "127.0.0"]:
        assert fragment not in everything
    lifetimes = await lifetimes_under(redis_url, redis_prefix)
    assert lifetimes.keys() == stored.keys()
    assert all(lifetime > 0 for lifetime in lifetimes.values())


async def test_one_days_buckets_cannot_be_matched_with_the_next(
    start: StartGateway, clock: FakeClock, redis_url: str, redis_prefix: str
) -> None:
    async with start(rate_limit_public_paths="10/hour") as gateway:
        citizen = await gateway.client("198.51.100.7")
        await citizen.get(case_url(), headers=receipt())
        today = set(await stored_under(redis_url, redis_prefix))
        clock.advance(86400)
        await citizen.get(case_url(), headers=receipt())
        tomorrow = set(await stored_under(redis_url, redis_prefix)) - today

    def buckets(keys: set[str]) -> set[str]:
        rates = [key.removeprefix(redis_prefix) for key in keys]
        return {rate.split(":")[1] for rate in rates if rate.startswith("rate:")}

    assert len(buckets(today)) == len(buckets(tomorrow)) == 1
    assert buckets(today).isdisjoint(buckets(tomorrow))


async def test_requests_still_pass_when_redis_is_unreachable(
    services: FakeServices, clock: FakeClock, tmp_path: Path
) -> None:
    settings = gateway_settings("redis://127.0.0.1:1/0", "t:", tmp_path)
    limits = Limits(settings=LimitSettings.model_validate(ROOMY), clock=clock)
    async with running_gateway(settings, services, limits) as gateway:
        citizen = await gateway.client()

        answer = await citizen.get(case_url())

    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/not-found"
