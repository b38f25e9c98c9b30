"""bench/suite.py: a benchmark waits for the events the ones before left, counted on the server,
and for the platform to be found at rest twice in a row."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import nats
import pytest
from rich.console import Console
from rich.progress import Progress

from bench.running import Platform
from bench.suite import Bench, events_waiting


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


async def test_settling_waits_for_two_quiet_looks_in_a_row(
    nats_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A notice sent, then the event saying so in an outbox, then on the stream: one look can
    # fall between two of them and find nothing.
    looks = iter(["3 events", "", "12 events not yet published", "", "", "1 notices"])
    asked: list[str] = []

    async def still_to_do(_bench: Bench, _connection: object, *, notices: bool) -> str:
        asked.append(answer := next(looks))
        return answer

    monkeypatch.setattr(Bench, "_still_to_do", still_to_do)
    absent = "http://127.0.0.1:9"
    platform = Platform(
        gateway=absent,
        nats_url=nats_url,
        intake=absent,
        routing=absent,
        case_tracking=absent,
        notifications=absent,
        pid=0,
        data_dir=tmp_path,
        env={},
        log=tmp_path / "up.log",
    )
    with Progress(console=Console(file=io.StringIO())) as progress:
        bench = Bench(platform, absent, progress, connections=1, seconds=1, warmup=0)
        await bench.settle()
    assert asked == ["3 events", "", "12 events not yet published", "", ""]
