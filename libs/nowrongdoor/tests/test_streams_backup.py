"""`nowrongdoor streams backup` and `restore` against a real NATS server."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats.js.errors
import pytest
from typer.testing import CliRunner, Result

from nowrongdoor.bus import Bus
from nowrongdoor.cli import app
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.contracts.streams import STREAMS
from nowrongdoor.embedded import free_port
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.plugin import delete_namespace_streams, run_isolated

runner = CliRunner()


def opened(reference: str) -> CaseOpened:
    return CaseOpened(
        reference=reference,
        status="routed",
        institution_ids=["ma-mediateur"],
        lead_institution_id="ma-mediateur",
        language="fr",
        opened_at=datetime.now(UTC),
    )


async def connected(nats_url: str, namespace: str) -> Bus:
    return await Bus.connect(nats_url, name="tests", namespace=namespace, wait=5)


async def fill(nats_url: str, namespace: str) -> list[str]:
    """Three cases opened (the second then deleted from its stream) and one dead letter."""
    bus = await connected(nats_url, namespace)
    try:
        await bus.ensure_streams()
        ids = []
        for number in range(3):
            envelope = Envelope.wrap(
                opened(f"NWD-7K3M9QX2VD4{number}"), source="/tests", subject="x"
            )
            await bus.publish(envelope, "case.opened")
            ids.append(envelope.id)
        await bus.js.delete_msg(bus.stream_name("CASES"), 2)
        dead = Envelope.wrap(opened("NWD-7K3M9QX2VD49"), source="/tests", subject="x")
        headers = dead.headers() | {
            "Nats-Msg-Id": f"tests-poison:{dead.id}",
            "nwd-dead-letter-reason": "ValueError",
            "nwd-dead-letter-consumer": "tests-poison",
            "nwd-original-subject": "case.opened",
        }
        await bus.js.publish(
            bus.subject_for("deadletter.tests-poison.case.opened"), dead.data, headers=headers
        )
        return [ids[0], ids[2], dead.id]
    finally:
        await bus.close()


async def contents(nats_url: str, namespace: str, stream: str) -> list[tuple[str, dict[str, str]]]:
    """(subject without namespace, headers) of every message in a stream, in order."""
    bus = await connected(nats_url, namespace)
    try:
        info = await bus.js.stream_info(bus.stream_name(stream))
        found: list[tuple[str, dict[str, str]]] = []
        if not info.state.messages:
            return found
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                message = await bus.js.get_msg(bus.stream_name(stream), sequence)
            except nats.js.errors.NotFoundError:
                continue
            headers = dict(message.headers or {})
            found.append((bus.local_subject(message.subject or ""), headers))
        return found
    finally:
        await bus.close()


def streams(nats_url: str, namespace: str, *arguments: str) -> Result:
    return runner.invoke(
        app,
        ["streams", *arguments],
        env={"NWD_NATS_URL": nats_url, "NWD_BUS_NAMESPACE": namespace},
    )


@pytest.fixture
def another_namespace(nats_url: str) -> Iterator[str]:
    namespace = f"t{uuid.uuid4().hex[:12]}"
    yield namespace
    run_isolated(lambda: delete_namespace_streams(nats_url, namespace))


def test_a_backup_restores_every_message_with_its_headers_under_another_namespace(
    nats_url: str, bus_namespace: str, another_namespace: str, tmp_path: Path
) -> None:
    kept = asyncio.run(fill(nats_url, bus_namespace))
    folder = tmp_path / "streams"

    backed_up = streams(nats_url, bus_namespace, "backup", str(folder))
    restored = streams(nats_url, another_namespace, "restore", str(folder))

    assert backed_up.exit_code == 0, backed_up.output
    assert "CASES: 2 messages" in backed_up.output
    assert "DEADLETTER: 1 messages" in backed_up.output
    assert "backed up 3 messages from 5 streams" in backed_up.output
    assert restored.exit_code == 0, restored.output
    assert "restored 3 messages into 5 streams" in restored.output
    for stream in STREAMS:
        original = asyncio.run(contents(nats_url, bus_namespace, stream))
        assert asyncio.run(contents(nats_url, another_namespace, stream)) == original
    cases = asyncio.run(contents(nats_url, another_namespace, "CASES"))
    assert [headers["ce-id"] for _, headers in cases] == kept[:2]
    assert [headers["Nats-Msg-Id"] for _, headers in cases] == kept[:2]
    [(subject, dead)] = asyncio.run(contents(nats_url, another_namespace, "DEADLETTER"))
    assert subject == "deadletter.tests-poison.case.opened"
    assert dead["nwd-original-subject"] == "case.opened"
    assert dead["ce-id"] == kept[2]
    manifest = json.loads((folder / "streams.json").read_text())
    assert manifest["namespace"] == bus_namespace
    assert {entry["stream"] for entry in manifest["streams"]} == set(STREAMS)


def test_a_restore_refuses_streams_that_hold_messages_and_with_force_adds_only_what_lacks(
    nats_url: str, bus_namespace: str, another_namespace: str, tmp_path: Path
) -> None:
    asyncio.run(fill(nats_url, bus_namespace))
    folder = tmp_path / "streams"
    assert streams(nats_url, bus_namespace, "backup", str(folder)).exit_code == 0
    assert streams(nats_url, another_namespace, "restore", str(folder)).exit_code == 0
    before = {s: asyncio.run(contents(nats_url, another_namespace, s)) for s in STREAMS}

    again = streams(nats_url, another_namespace, "restore", str(folder))
    forced = streams(nats_url, another_namespace, "restore", str(folder), "--force")

    assert again.exit_code == 1
    assert "not restoring" in again.output
    assert f"{another_namespace.upper()}_CASES (2 messages)" in again.output
    assert "--force" in again.output
    assert forced.exit_code == 0, forced.output
    assert "restored 0 messages into 5 streams; 3 were there already" in forced.output
    after = {s: asyncio.run(contents(nats_url, another_namespace, s)) for s in STREAMS}
    assert after == before


def test_force_completes_a_restore_that_stopped_half_way(
    nats_url: str, bus_namespace: str, another_namespace: str, tmp_path: Path
) -> None:
    asyncio.run(fill(nats_url, bus_namespace))
    folder = tmp_path / "streams"
    assert streams(nats_url, bus_namespace, "backup", str(folder)).exit_code == 0
    # What a restore cut off after the first case leaves behind: one message of CASES.
    cases = (folder / "CASES.jsonl").read_text().splitlines()
    [first] = [json.loads(line) for line in cases[:1]]

    async def restore_the_first_only() -> None:
        import base64

        bus = await connected(nats_url, another_namespace)
        try:
            await bus.ensure_streams()
            await bus.js.publish(
                bus.subject_for(first["subject"]),
                base64.b64decode(first["data"]),
                headers=first["headers"],
            )
        finally:
            await bus.close()

    asyncio.run(restore_the_first_only())

    forced = streams(nats_url, another_namespace, "restore", str(folder), "--force")

    assert forced.exit_code == 0, forced.output
    assert "CASES: 1 messages restored, 1 already there" in forced.output
    restored = asyncio.run(contents(nats_url, another_namespace, "CASES"))
    original = asyncio.run(contents(nats_url, bus_namespace, "CASES"))
    assert restored == original


def test_a_backup_never_overwrites_one_and_finds_nothing_under_a_wrong_namespace(
    nats_url: str, bus_namespace: str, another_namespace: str, tmp_path: Path
) -> None:
    asyncio.run(fill(nats_url, bus_namespace))
    folder = tmp_path / "streams"
    assert streams(nats_url, bus_namespace, "backup", str(folder)).exit_code == 0
    manifest = (folder / "streams.json").read_text()

    twice = streams(nats_url, bus_namespace, "backup", str(folder))
    nowhere = streams(nats_url, another_namespace, "backup", str(tmp_path / "elsewhere"))

    assert twice.exit_code == 1
    assert "already holds streams.json" in twice.output
    assert (folder / "streams.json").read_text() == manifest
    assert nowhere.exit_code == 1
    assert "no stream of this platform exists on the server" in nowhere.output
    assert "NWD_BUS_NAMESPACE" in nowhere.output
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda folder: (folder / "streams.json").unlink(), "streams.json is missing"),
        (
            lambda folder: (folder / "CASES.jsonl").write_text(
                (folder / "CASES.jsonl").read_text().splitlines()[0] + "\n"
            ),
            "holds 1 messages where the manifest lists 2: the backup is damaged",
        ),
        (
            lambda folder: (folder / "CASES.jsonl").write_text('{"subject": "case.opened"}\n{}\n'),
            "CASES.jsonl line 1 is not a message of a stream backup",
        ),
    ],
    ids=["no manifest", "a message missing", "a line damaged"],
)
def test_a_damaged_backup_is_refused_before_anything_is_written(
    nats_url: str,
    bus_namespace: str,
    another_namespace: str,
    tmp_path: Path,
    damage: Any,
    said: str,
) -> None:
    asyncio.run(fill(nats_url, bus_namespace))
    folder = tmp_path / "streams"
    assert streams(nats_url, bus_namespace, "backup", str(folder)).exit_code == 0
    damage(folder)

    result = streams(nats_url, another_namespace, "restore", str(folder))

    assert result.exit_code == 1
    assert said in result.output

    async def streams_made() -> list[str]:
        return await delete_namespace_streams(nats_url, another_namespace)

    assert asyncio.run(streams_made()) == []


def test_a_nats_server_that_does_not_answer_is_named(tmp_path: Path) -> None:
    silent = f"nats://127.0.0.1:{free_port()}"

    result = streams(silent, "", "backup", str(tmp_path / "streams"))

    assert result.exit_code == 1
    assert f"NATS at {silent} did not answer" in result.output
    assert not (tmp_path / "streams").exists()
