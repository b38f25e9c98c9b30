"""The dead-letter stream, for operators: what consumers gave up on, and sending it back.

A replayed message goes back to its original subject under its original CloudEvents id, so every
consumer whose inbox already holds that id ignores it and only the one that failed handles it.
"""

from __future__ import annotations

from dataclasses import dataclass

import nats.js.errors

from nowrongdoor.bus import Bus


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    consumer: str
    subject: str
    event_type: str
    event_id: str
    reason: str


async def list_dead_letters(bus: Bus) -> list[DeadLetter]:
    stream = bus.stream_name("DEADLETTER")
    info = await bus.js.stream_info(stream)
    letters: list[DeadLetter] = []
    if not info.state.messages:
        return letters
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await bus.js.get_msg(stream, sequence)
        except nats.js.errors.NotFoundError:
            continue  # replayed and removed already
        headers = message.headers or {}
        letters.append(
            DeadLetter(
                sequence=sequence,
                consumer=headers.get("nwd-dead-letter-consumer", "?"),
                subject=headers.get("nwd-original-subject", "?"),
                event_type=headers.get("ce-type", "?"),
                event_id=headers.get("ce-id", "?"),
                reason=headers.get("nwd-dead-letter-reason", "?"),
            )
        )
    return letters


async def replay(bus: Bus, sequence: int) -> DeadLetter:
    """Publish one dead letter again on its original subject, then remove it from the stream."""
    stream = bus.stream_name("DEADLETTER")
    message = await bus.js.get_msg(stream, sequence)
    headers = dict(message.headers or {})
    subject = headers.pop("nwd-original-subject")
    letter = DeadLetter(
        sequence=sequence,
        consumer=headers.pop("nwd-dead-letter-consumer", "?"),
        subject=subject,
        event_type=headers.get("ce-type", "?"),
        event_id=headers.get("ce-id", "?"),
        reason=headers.pop("nwd-dead-letter-reason", "?"),
    )
    # A fresh message id: the original one may still sit in the duplicate window.
    headers["Nats-Msg-Id"] = f"replay:{sequence}:{letter.event_id}"
    await bus.js.publish(bus.subject_for(subject), message.data or b"", headers=headers, timeout=5)
    await bus.js.delete_msg(stream, sequence)
    return letter
