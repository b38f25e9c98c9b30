"""The tracking cache's looks on Redis connections of their own: the same replies as through
the client, whatever Redis forgot or broke meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.tracking.looks import Looks
from nowrongdoor import telemetry

ECHO = "return {KEYS[1], ARGV[1], redis.call('GET', KEYS[1])}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_look_gives_the_script_s_reply(redis: Redis, redis_prefix: str) -> None:
    looks = Looks(redis)
    key = f"{redis_prefix}look"
    await redis.set(key, "kept")

    reply = await looks.run(redis.register_script(ECHO), [key], ["asked"])

    assert reply == [key.encode(), b"asked", b"kept"]
    await looks.close()


async def test_where_spans_are_exported_looks_go_through_the_traced_client(
    redis: Redis, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telemetry, "_exporting", True)
    sent: list[str] = []
    execute: Callable[..., Awaitable[Any]] = redis.execute_command

    async def traced(*args: Any, **options: Any) -> Any:
        sent.append(str(args[0]))
        return await execute(*args, **options)

    monkeypatch.setattr(redis, "execute_command", traced)
    looks = Looks(redis)

    reply = await looks.run(redis.register_script(ECHO), [f"{redis_prefix}look"], ["asked"])

    assert reply[1] == b"asked"
    assert "EVALSHA" in sent
    await looks.close()


async def test_more_looks_at_once_than_connections_all_answer(
    redis: Redis, redis_prefix: str
) -> None:
    looks = Looks(redis, most=3)
    script = redis.register_script(ECHO)
    keys = [f"{redis_prefix}look:{number}" for number in range(40)]

    replies = await asyncio.gather(*(looks.run(script, [key], [key]) for key in keys))

    assert [reply[:2] for reply in replies] == [[key.encode(), key.encode()] for key in keys]
    await looks.close()


async def test_a_script_redis_forgot_is_loaded_again(redis: Redis, redis_prefix: str) -> None:
    looks = Looks(redis)
    script = redis.register_script(ECHO)
    key = f"{redis_prefix}look"
    assert (await looks.run(script, [key], ["first"]))[1] == b"first"

    await redis.script_flush()

    assert (await looks.run(script, [key], ["again"]))[1] == b"again"
    await looks.close()


async def test_a_broken_connection_fails_one_look_and_is_not_used_again(
    redis: Redis, redis_prefix: str
) -> None:
    looks = Looks(redis, most=1)
    script = redis.register_script(ECHO)
    key = f"{redis_prefix}look"
    await looks.run(script, [key], ["before"])
    clients = await redis.client_list()
    looking = [client["id"] for client in clients if client["cmd"] == "evalsha"]
    assert looking, "the look's connection is open"

    # Redis closes the look's connection, as a restart or a network fault would.
    for client_id in looking:
        await redis.client_kill_filter(_id=client_id)

    with pytest.raises(RedisConnectionError):
        await looks.run(script, [key], ["meanwhile"])
    assert (await looks.run(script, [key], ["after"]))[1] == b"after"
    await looks.close()


SLOW = """
local started = redis.call('TIME')
repeat
    local now = redis.call('TIME')
until (now[1] - started[1]) * 1000000 + (now[2] - started[2]) > 100000
return ARGV[1]
"""


async def test_a_look_given_up_midway_leaves_no_reply_for_the_next(redis: Redis) -> None:
    looks = Looks(redis, most=1)
    slow = redis.register_script(SLOW)
    await looks.run(slow, [], ["loaded"])
    given_up = asyncio.create_task(looks.run(slow, [], ["given up"]))
    await asyncio.sleep(0.03)  # sent, its reply not yet come
    given_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await given_up

    assert await looks.run(slow, [], ["next"]) == b"next"
    await looks.close()
