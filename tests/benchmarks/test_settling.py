"""bench/suite.py: a benchmark waits for the events the ones before left, counted on the server."""

from __future__ import annotations

import uuid

import nats

from bench.suite import events_waiting


async def test_events_not_yet_acknowledged_are_counted_until_they_are(nats_url: str) -> None:
    name = f"SETTLE_{uuid.uuid4().hex[:12].upper()}"
    subject = f"settle.{name.lower()}"
    connection = await nats.connect(nats_url)
    streams = connection.jetstream()
    await streams.add_stream(name=name, subjects=[subject])
    try:
        subscription = await streams.pull_subscribe(subject, durable="handler")
        for number in range(3):
            await streams.publish(subject, str(number).encode())
        assert await events_waiting(connection, streams_named=name) == 3

        received = await subscription.fetch(3, timeout=5)
        assert await events_waiting(connection, streams_named=name) == 3, "received, not acked"

        for message in received:
            await message.ack_sync()
        assert await events_waiting(connection, streams_named=name) == 0
    finally:
        await streams.delete_stream(name)
        await connection.close()
