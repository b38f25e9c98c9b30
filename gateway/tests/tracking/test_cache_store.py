"""The tracking cache's store in Redis: what it keeps, and what it refuses to keep."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from gateway.tracking.cache import KeptAnswer, TrackingCache, reader_of
from nowrongdoor.auth import Principal

REFERENCE = "NWD-7K3M9QX2VD4H"
OTHER = "NWD-9F2K7QX2VD4J"
ANSWER = KeptAnswer(body=b'{"reference": "NWD-7K3M9QX2VD4H"}', etag='"3"')
COMPLAINANT = reader_of(Principal.public().holding_receipt_for(REFERENCE), None)


@pytest.fixture
async def cache(redis_url: str, redis_prefix: str) -> AsyncIterator[TrackingCache]:
    redis = Redis.from_url(redis_url)
    yield TrackingCache(redis, prefix=redis_prefix, secret=b"s" * 32, cap_seconds=60)
    await redis.aclose()


async def test_an_answer_kept_is_given_to_the_same_reader_only(cache: TrackingCache) -> None:
    institution = Principal(
        client_id="c", kind="institution", institution_id="ma-mediateur", scopes=frozenset({"r"})
    )
    seen = await cache.look(REFERENCE, COMPLAINANT)

    assert seen.kept is None
    assert await cache.keep(REFERENCE, COMPLAINANT, seen, ANSWER, 30)
    assert (await cache.look(REFERENCE, COMPLAINANT)).kept == ANSWER
    assert (await cache.look(REFERENCE, reader_of(institution, None))).kept is None
    in_arabic = reader_of(Principal.public().holding_receipt_for(REFERENCE), "ar")
    assert (await cache.look(REFERENCE, in_arabic)).kept is None
    assert (await cache.look(OTHER, COMPLAINANT)).kept is None


async def test_an_answer_read_before_its_case_was_forgotten_is_not_kept(
    cache: TrackingCache,
) -> None:
    seen = await cache.look(REFERENCE, COMPLAINANT)
    await cache.forget([REFERENCE])

    assert not await cache.keep(REFERENCE, COMPLAINANT, seen, ANSWER, 30)
    assert (await cache.look(REFERENCE, COMPLAINANT)).kept is None


async def test_forgetting_a_case_leaves_the_others(cache: TrackingCache) -> None:
    for reference in (REFERENCE, OTHER):
        await cache.keep(
            reference, COMPLAINANT, await cache.look(reference, COMPLAINANT), ANSWER, 30
        )

    await cache.forget([REFERENCE])

    assert (await cache.look(REFERENCE, COMPLAINANT)).kept is None
    assert (await cache.look(OTHER, COMPLAINANT)).kept == ANSWER


async def test_starting_afresh_refuses_every_answer_kept_or_being_read(
    cache: TrackingCache,
) -> None:
    await cache.keep(REFERENCE, COMPLAINANT, await cache.look(REFERENCE, COMPLAINANT), ANSWER, 30)
    being_read = await cache.look(OTHER, COMPLAINANT)

    await cache.forget_all()

    assert (await cache.look(REFERENCE, COMPLAINANT)).kept is None
    assert not await cache.keep(OTHER, COMPLAINANT, being_read, ANSWER, 30)


async def test_nothing_is_kept_beyond_the_cap_or_for_no_time(
    cache: TrackingCache, redis_url: str
) -> None:
    seen = await cache.look(REFERENCE, COMPLAINANT)

    assert not await cache.keep(REFERENCE, COMPLAINANT, seen, ANSWER, 0)
    assert await cache.keep(REFERENCE, COMPLAINANT, seen, ANSWER, 86_400)
    redis = Redis.from_url(redis_url)
    try:
        names = [name async for name in redis.scan_iter(f"{cache.prefix}*")]
        lifetimes = [await redis.ttl(name) for name in names]
    finally:
        await redis.aclose()
    assert lifetimes and all(0 < seconds <= 60 for seconds in lifetimes)
