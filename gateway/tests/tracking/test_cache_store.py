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
LISTER = reader_of(
    Principal(
        client_id="c",
        kind="institution",
        institution_id="ma-mediateur",
        scopes=frozenset({"cases:read"}),
    ),
    None,
)
PAGE = KeptAnswer(body=b'{"items": [], "next_cursor": null}', etag="")


@pytest.fixture
async def cache(redis_url: str, redis_prefix: str) -> AsyncIterator[TrackingCache]:
    redis = Redis.from_url(redis_url)
    cache = TrackingCache(redis, prefix=redis_prefix, secret=b"s" * 32, cap_seconds=60)
    yield cache
    await cache.close()
    await redis.aclose()


async def test_an_answer_kept_is_given_to_the_same_reader_only(cache: TrackingCache) -> None:
    institution = Principal(
        client_id="c", kind="institution", institution_id="ma-mediateur", scopes=frozenset({"r"})
    )
    seen = await cache.look(cache.case(REFERENCE), COMPLAINANT)

    assert seen.kept is None
    assert await cache.keep(cache.case(REFERENCE), COMPLAINANT, seen, ANSWER, 30)
    assert (await cache.look(cache.case(REFERENCE), COMPLAINANT)).kept == ANSWER
    assert (await cache.look(cache.case(REFERENCE), reader_of(institution, None))).kept is None
    in_arabic = reader_of(Principal.public().holding_receipt_for(REFERENCE), "ar")
    assert (await cache.look(cache.case(REFERENCE), in_arabic)).kept is None
    assert (await cache.look(cache.case(OTHER), COMPLAINANT)).kept is None


async def test_an_answer_read_before_its_case_was_forgotten_is_not_kept(
    cache: TrackingCache,
) -> None:
    seen = await cache.look(cache.case(REFERENCE), COMPLAINANT)
    await cache.forget([REFERENCE])

    assert not await cache.keep(cache.case(REFERENCE), COMPLAINANT, seen, ANSWER, 30)
    assert (await cache.look(cache.case(REFERENCE), COMPLAINANT)).kept is None


async def test_forgetting_a_case_leaves_the_others(cache: TrackingCache) -> None:
    for reference in (REFERENCE, OTHER):
        place = cache.case(reference)
        await cache.keep(place, COMPLAINANT, await cache.look(place, COMPLAINANT), ANSWER, 30)

    await cache.forget([REFERENCE])

    assert (await cache.look(cache.case(REFERENCE), COMPLAINANT)).kept is None
    assert (await cache.look(cache.case(OTHER), COMPLAINANT)).kept == ANSWER


async def test_a_page_is_kept_for_its_institution_and_query_only(cache: TrackingCache) -> None:
    page = cache.page("ma-mediateur", "limit=5")
    seen = await cache.look(page, LISTER)

    assert await cache.keep(page, LISTER, seen, PAGE, 30)

    assert (await cache.look(cache.page("ma-mediateur", "limit=5"), LISTER)).kept == PAGE
    assert (await cache.look(cache.page("ma-mediateur", "limit=6"), LISTER)).kept is None
    assert (await cache.look(cache.page("ma-icpc", "limit=5"), LISTER)).kept is None


async def test_every_page_is_forgotten_when_any_case_changes(cache: TrackingCache) -> None:
    page = cache.page("ma-mediateur", "")
    await cache.keep(page, LISTER, await cache.look(page, LISTER), PAGE, 30)
    being_read = await cache.look(cache.page("ma-mediateur", "limit=5"), LISTER)

    await cache.forget([OTHER])

    assert (await cache.look(page, LISTER)).kept is None
    assert not await cache.keep(cache.page("ma-mediateur", "limit=5"), LISTER, being_read, PAGE, 30)


async def test_starting_afresh_refuses_every_answer_kept_or_being_read(
    cache: TrackingCache,
) -> None:
    await cache.keep(
        cache.case(REFERENCE),
        COMPLAINANT,
        await cache.look(cache.case(REFERENCE), COMPLAINANT),
        ANSWER,
        30,
    )
    being_read = await cache.look(cache.case(OTHER), COMPLAINANT)

    await cache.forget_all()

    assert (await cache.look(cache.case(REFERENCE), COMPLAINANT)).kept is None
    assert not await cache.keep(cache.case(OTHER), COMPLAINANT, being_read, ANSWER, 30)


async def test_nothing_is_kept_beyond_the_cap_or_for_no_time(
    cache: TrackingCache, redis_url: str
) -> None:
    seen = await cache.look(cache.case(REFERENCE), COMPLAINANT)

    assert not await cache.keep(cache.case(REFERENCE), COMPLAINANT, seen, ANSWER, 0)
    assert await cache.keep(cache.case(REFERENCE), COMPLAINANT, seen, ANSWER, 86_400)
    redis = Redis.from_url(redis_url)
    try:
        names = [name async for name in redis.scan_iter(f"{cache.prefix}*")]
        lifetimes = [await redis.ttl(name) for name in names]
    finally:
        await redis.aclose()
    assert lifetimes and all(0 < seconds <= 60 for seconds in lifetimes)
