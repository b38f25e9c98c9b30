"""The drafts between steps: sealed for the one browser that holds the key, idle for a day."""

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from fastapi import Request
from fastapi.responses import Response
from redis.asyncio import Redis

from gateway.pages.drafts import DRAFT_COOKIE, Drafts

ANSWERS = {"state": {"name": "Amina El Idrissi", "description": "Five months without an answer."}}


def browser_request(cookie: str | None = None) -> Request:
    """A request as the pages receive it, with the draft cookie the browser holds, if any."""
    headers = [(b"cookie", f"{DRAFT_COOKIE}={cookie}".encode())] if cookie else []
    app = SimpleNamespace(state=SimpleNamespace(page_cookies_secure=True))
    return Request({"type": "http", "method": "POST", "headers": headers, "app": app})


def cookie_set(response: Response) -> str:
    header = response.headers["set-cookie"]
    assert header.startswith(f"{DRAFT_COOKIE}="), header
    return header.split(";")[0].split("=", 1)[1]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def drafts(redis: Redis, redis_prefix: str) -> Drafts:
    return Drafts(redis, prefix=f"{redis_prefix}pages:")


async def kept(redis: Redis, redis_prefix: str) -> dict[bytes, bytes]:
    keys = [key async for key in redis.scan_iter(match=f"{redis_prefix}pages:draft:*")]
    values = [await redis.get(key) for key in keys]
    return {k: v for k, v in zip(keys, values, strict=True) if isinstance(v, bytes)}


async def test_a_draft_is_read_back_by_the_browser_that_holds_its_cookie(
    drafts: Drafts, redis: Redis, redis_prefix: str
) -> None:
    redirect = await drafts.redirect_keeping(browser_request(), "submit", ANSWERS, "/en/x")
    assert redirect is not None
    cookie = cookie_set(redirect)

    read = await drafts.read(browser_request(cookie), "submit")
    other_journey = await drafts.read(browser_request(cookie), "guide")

    assert redirect.status_code == 303 and redirect.headers["location"] == "/en/x"
    header = redirect.headers["set-cookie"].lower()
    assert "httponly" in header and "secure" in header and "samesite=strict" in header
    assert read == ANSWERS
    assert other_journey == {}
    ((key, _),) = (await kept(redis, redis_prefix)).items()
    assert 20 * 3600 < await redis.ttl(key) <= 24 * 3600, "longer than any form needs"


async def test_redis_holds_only_what_nobody_without_the_cookie_can_read(
    drafts: Drafts, redis: Redis, redis_prefix: str
) -> None:
    redirect = await drafts.redirect_keeping(browser_request(), "submit", ANSWERS, "/en/x")
    assert redirect is not None
    cookie = cookie_set(redirect)
    draft_id, key = cookie.split(".")

    ((name, sealed),) = (await kept(redis, redis_prefix)).items()
    other_key = ("A" if key[0] != "A" else "B") + key[1:]

    assert draft_id.encode() not in name and key.encode() not in sealed
    assert b"Amina" not in sealed and b"Five months" not in sealed
    assert await drafts.read(browser_request(f"{draft_id}.{other_key}"), "submit") == {}
    assert await drafts.read(browser_request("not-a-draft"), "submit") == {}
    assert await drafts.read(browser_request("x" * 200), "submit") == {}


async def test_a_later_step_replaces_the_draft_under_the_same_cookie(drafts: Drafts) -> None:
    first = await drafts.redirect_keeping(browser_request(), "guide", {"answers": {}}, "/en/1")
    assert first is not None
    cookie = cookie_set(first)

    later = await drafts.redirect_keeping(
        browser_request(cookie), "guide", {"answers": {"category": "x"}}, "/en/2"
    )

    assert later is not None and "set-cookie" not in later.headers
    assert await drafts.read(browser_request(cookie), "guide") == {"answers": {"category": "x"}}


async def test_ending_forgets_every_journey_and_the_cookie(
    drafts: Drafts, redis: Redis, redis_prefix: str
) -> None:
    first = await drafts.redirect_keeping(browser_request(), "guide", {"answers": {}}, "/en/1")
    assert first is not None
    cookie = cookie_set(first)
    await drafts.redirect_keeping(browser_request(cookie), "submit", ANSWERS, "/en/2")
    response = Response()

    await drafts.end(browser_request(cookie), response)

    assert await kept(redis, redis_prefix) == {}
    assert response.headers["set-cookie"].startswith(f'{DRAFT_COOKIE}=""')
    assert await drafts.read(browser_request(cookie), "submit") == {}


async def test_without_redis_nothing_is_kept_and_the_step_is_shown_directly() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")
    drafts = Drafts(unreachable, prefix="t:pages:")
    try:
        redirect = await drafts.redirect_keeping(browser_request(), "submit", ANSWERS, "/en/x")
        read = await drafts.read(browser_request("abc." + "A" * 43), "submit")
    finally:
        await unreachable.aclose()

    assert redirect is None
    assert read == {}
