"""The tracking cache: a case's answer is given again until the case changes, on a real NATS and
Redis, with case tracking standing in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from nats.js import api
from redis.asyncio import Redis

from gateway.tracking import invalidation
from nowrongdoor.bus import Bus, durable_name
from nowrongdoor.contracts.events import CaseStatusChanged, NotificationDelivered
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually

from ..api.cases.parties import CNDH, MEDIATEUR, institution_headers, routed
from ..fakes import FakeServices

SECRET_WORDS = "Le numéro de dossier est 4411-B."


def asked(services: FakeServices) -> int:
    """How many times case tracking was asked for a case."""
    return services.count("case_answer")


async def follow(client: httpx.AsyncClient, reference: str, receipt: str) -> httpx.Response:
    answer = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})
    assert answer.status_code == 200, answer.text
    return answer


async def publish_status_change(bus: Bus, reference: str) -> None:
    event = CaseStatusChanged(
        reference=reference,
        status=CaseStatus.ACKNOWLEDGED,
        previous_status=CaseStatus.ROUTED,
        institution_ids=["ma-mediateur"],
        changed_at=datetime.now(UTC),
    )
    envelope = Envelope.wrap(event, source="/services/case-tracking", subject=reference)
    await bus.publish(envelope, event.subject)


async def test_the_complainant_reads_again_without_case_tracking_being_asked(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    first = await follow(client, reference, receipt)
    second = await follow(client, reference, receipt)

    assert second.content == first.content
    assert second.headers["cache-control"] == "no-store"
    assert second.headers["content-type"] == "application/json"
    assert asked(services) == 1


async def test_an_answer_case_tracking_says_not_to_keep_is_asked_for_each_time(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.cases.reusable_seconds = None
    reference, receipt = routed(services)

    await follow(client, reference, receipt)
    await follow(client, reference, receipt)

    assert asked(services) == 2


async def test_each_institution_is_given_its_own_answer(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _receipt = routed(services, MEDIATEUR, CNDH)
    mediateur = await institution_headers(app, client, "ma-mediateur", "cases:read")
    cndh = await institution_headers(app, client, "ma-cndh", "cases:read")

    for headers in (mediateur, cndh, mediateur, cndh):
        read = await client.get(f"/v1/cases/{reference}", headers=headers)
        assert read.status_code == 200
        assert read.headers["etag"] == services.cases.tracked[reference].etag

    assert asked(services) == 2
    callers = [call.caller.institution_id for call in services.cases.calls]
    assert callers[-2:] == ["ma-mediateur", "ma-cndh"]


async def test_an_event_about_the_case_makes_the_next_read_ask_case_tracking(
    client: httpx.AsyncClient, services: FakeServices, bus: Bus
) -> None:
    reference, receipt = routed(services)
    other, other_receipt = routed(services)
    await follow(client, reference, receipt)
    await follow(client, other, other_receipt)

    await publish_status_change(bus, reference)

    await eventually(
        lambda: _asked_again(client, services, reference, receipt, times=3), timeout=10
    )
    await follow(client, other, other_receipt)
    assert [call.sent for call in services.calls if call.operation == "case_answer"] == [
        reference,
        other,
        reference,
    ]  # the other case is still given from the cache


async def test_an_event_case_tracking_handles_forgets_the_case_once_it_has_acknowledged_it(
    client: httpx.AsyncClient, services: FakeServices, bus: Bus, bus_namespace: str
) -> None:
    subject = NotificationDelivered.subject
    # Case tracking's consumer of the event, as it creates it when it starts.
    durable = durable_name("case-tracking", subject)
    pull = await bus.js.pull_subscribe(
        bus.subject_for(subject),
        durable=durable,
        stream=bus.stream_name("NOTIFICATIONS"),
        config=api.ConsumerConfig(ack_policy=api.AckPolicy.EXPLICIT),
    )
    reference, receipt = routed(services)
    await follow(client, reference, receipt)
    event = NotificationDelivered(
        delivery_id="d-1",
        reference=reference,
        recipient="complainant",
        channel="email",
        cause_event_id="e-1",
        delivered_at=datetime.now(UTC),
    )
    await bus.publish(
        Envelope.wrap(event, source="/services/notifications", subject=reference), subject
    )
    [delivered] = await pull.fetch(1, timeout=5)

    await asyncio.sleep(0.5)  # heard, but not yet handled by case tracking
    await follow(client, reference, receipt)
    assert asked(services) == 1

    await delivered.ack_sync()
    await eventually(
        lambda: _asked_again(client, services, reference, receipt, times=2), timeout=10
    )


async def _asked_again(
    client: httpx.AsyncClient, services: FakeServices, reference: str, receipt: str, *, times: int
) -> bool:
    await follow(client, reference, receipt)
    return asked(services) >= times


async def test_an_answer_is_kept_only_as_long_as_case_tracking_said(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.cases.reusable_seconds = 1
    reference, receipt = routed(services)

    await follow(client, reference, receipt)
    await follow(client, reference, receipt)
    assert asked(services) == 1
    await asyncio.sleep(1.2)
    await follow(client, reference, receipt)

    assert asked(services) == 2


async def test_redis_holds_neither_the_case_nor_its_reference_in_clear(
    client: httpx.AsyncClient, services: FakeServices, redis_url: str, redis_prefix: str
) -> None:
    reference, receipt = routed(services)
    posted = await client.post(
        f"/v1/cases/{reference}/messages",
        json={"body": SECRET_WORDS},
        headers={"X-Receipt": receipt},
    )
    assert posted.status_code == 201, posted.text
    shown = await follow(client, reference, receipt)
    assert SECRET_WORDS in shown.text
    await follow(client, reference, receipt)
    assert asked(services) == 1

    redis = Redis.from_url(redis_url)
    try:
        names = [name async for name in redis.scan_iter(f"{redis_prefix}tracking:*")]
        stored = b"".join(
            [*names, *[value for name in names for value in await _values(redis, name)]]
        )
    finally:
        await redis.aclose()
    assert names
    assert SECRET_WORDS.encode() not in stored
    assert reference.encode() not in stored


async def _values(redis: Redis, name: bytes) -> list[bytes]:
    if await redis.type(name) == b"hash":
        return [_bytes(value) for value in (await redis.hgetall(name)).values()]
    return [_bytes(await redis.get(name) or b"")]


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


async def test_when_case_tracking_is_far_behind_every_case_is_forgotten_once_it_caught_up(
    client: httpx.AsyncClient,
    services: FakeServices,
    bus: Bus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(invalidation, "MOST_WAITING", 2)
    subject = NotificationDelivered.subject
    pull = await bus.js.pull_subscribe(
        bus.subject_for(subject),
        durable=durable_name("case-tracking", subject),
        stream=bus.stream_name("NOTIFICATIONS"),
        config=api.ConsumerConfig(ack_policy=api.AckPolicy.EXPLICIT),
    )
    filed = [routed(services) for _ in range(4)]
    for reference, receipt in filed:
        await follow(client, reference, receipt)
    for number, (reference, _receipt) in enumerate(filed[:3]):
        event = NotificationDelivered(
            delivery_id=f"d-{number}",
            reference=reference,
            recipient="complainant",
            channel="email",
            cause_event_id=f"e-{number}",
            delivered_at=datetime.now(UTC),
        )
        await bus.publish(
            Envelope.wrap(event, source="/services/notifications", subject=reference), subject
        )
    delivered = await pull.fetch(3, timeout=5)
    await asyncio.sleep(0.5)
    for reference, receipt in filed:
        await follow(client, reference, receipt)
    assert asked(services) == 4  # nothing forgotten while case tracking has handled nothing

    for message in delivered:
        await message.ack_sync()

    async def all_asked_again() -> bool:
        for reference, receipt in filed:
            await follow(client, reference, receipt)
        return asked(services) >= 8

    await eventually(all_asked_again, timeout=10)
