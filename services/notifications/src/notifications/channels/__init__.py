"""How a delivery leaves the platform: what every channel is handed, and how it answers.

A channel either returns (the message was accepted by the other side), raises `TryLater` (a
passing failure: the delivery is tried again on the retry schedule) or `CannotDeliver` (it can
never succeed as it is: the delivery fails at once and lands with the operators' failed ones).
Neither error's text may carry an address or anything else personal: it is stored and shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class TryLater(Exception):
    """The other side did not take the message this time; it may next time."""


class CannotDeliver(Exception):
    """The message can never be taken as it is (refused address, endpoint gone, bad config)."""


@dataclass(frozen=True)
class Notice:
    """One thing to tell: its kind (`status-changed`…), the case, and what the words need."""

    kind: str
    reference: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    """A message in one language: a subject, a plain-text and an HTML body, and a short form."""

    language: str
    subject: str
    text: str
    html: str
    short: str
    """The SMS form: the same words, shortened."""


class EmailSender(Protocol):
    async def send(self, to: Sequence[str], message: Rendered, message_id: str) -> None:
        """Send one email to `to`; `message_id` (the delivery id) becomes its Message-ID."""


class SmsSender(Protocol):
    async def send(self, to: str, text: str, message_id: str) -> None:
        """Send one SMS; `message_id` lets the provider de-duplicate."""
