"""The sender loop: claims what is due, merges a burst into one message, sends it, records how
it went together with its `notification.delivered` or `notification.failed` event.

A claim is a conditional UPDATE whose row count says who won, so two replicas on one database
never both send one delivery; a claim lapses after the lease, so what a dead process held is
taken again (sent at least once: the delivery id lets receivers drop a repeat). Sending happens
outside any transaction, except for webhooks, whose use case logs its attempt with the outcome.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.channels import CannotDeliver, EmailSender, Notice, Rendered, SmsSender, TryLater
from notifications.domain.planning import COMPLAINANT, EMAIL, SENT_CHANNELS, SMS, WEBHOOK
from notifications.domain.schedule import RETRY_DELAYS, Jitter, retry_at
from notifications.models import Delivery
from notifications.repository import deliveries as repository
from notifications.service import Database
from notifications.service.contacts import REMOVED_BY_COMPLAINANT, addresses
from nowrongdoor.contracts.events import NotificationDelivered, NotificationFailed
from nowrongdoor.crypto import Sealer
from nowrongdoor.metrics import DELIVERIES
from nowrongdoor.outbox import add_event

log = logging.getLogger(__name__)

SOURCE = "/services/notifications"
MERGED = "merged"
PENDING = "pending"
NO_SMTP = "email is not configured: set NWD_SMTP_URL"
NO_SMS = "SMS is not configured: set NWD_NOTIFICATIONS_SMS_URL"
NO_MAILBOX = "the institution has no mailbox for this any more"
NO_PHONE = "the institution has no phone for this any more"
REASON_LENGTH = 300

Clock = Callable[[], datetime]
Render = Callable[[Sequence[Notice], str, Literal["complainant", "institution"], str], Rendered]
WebhookCall = Callable[[AsyncSession, Delivery, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Channels:
    """What the dispatcher sends with; an absent sender fails its deliveries with a reason."""

    render: Render
    email: EmailSender | None = None
    sms: SmsSender | None = None
    webhook_send: WebhookCall | None = None
    webhook_gave_up: WebhookCall | None = None


@dataclass(frozen=True)
class Claim:
    """A due delivery and those merged into it, all held until `until`."""

    primary: Delivery
    merged: list[Delivery]
    until: datetime

    @property
    def ids(self) -> list[str]:
        return [self.primary.id, *(d.id for d in self.merged)]


Result = Literal["delivered", "retry", "failed"]
DELIVERED: Result = "delivered"
RETRY: Result = "retry"
FAILED: Result = "failed"


@dataclass(frozen=True)
class Outcome:
    """How a send went: `delivered`, `retry` (failed for now) or `failed` (for good)."""

    result: Result
    reason: str | None = None


@dataclass
class Dispatcher:
    """Sends what is due, woken by `wake()` after new deliveries commit, else every interval."""

    db: Database
    channels: Channels
    sealer: Sealer
    clock: Clock
    public_url: str
    lease: timedelta = timedelta(minutes=5)
    batch_size: int = 50
    merge_limit: int = 50
    """Notices in one message at most: a mailbox that missed a thousand cases gets them in
    messages it can read, and the sender never holds a whole backlog at once."""
    delays: Sequence[timedelta] = RETRY_DELAYS
    jitter: Jitter = random.random
    _woken: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        # Every channel's series exist from the start at zero, so no first failure goes unseen.
        for channel in SENT_CHANNELS:
            for outcome in ("sent", "failed"):
                DELIVERIES.labels(channel, outcome)

    def wake(self) -> None:
        self._woken.set()

    async def run(self, stop: asyncio.Event, interval_seconds: float) -> None:
        """Send what is due, then again when woken or every `interval_seconds`, until `stop`."""
        while not stop.is_set():
            self._woken.clear()
            try:
                await self.dispatch_due()
            except Exception as error:
                log.warning("dispatching failed", extra={"error": type(error).__name__})
            waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self._woken.wait())]
            await asyncio.wait(waits, timeout=interval_seconds, return_when="FIRST_COMPLETED")
            for wait in waits:
                wait.cancel()

    async def dispatch_due(self) -> int:
        """Send every delivery due now, merged where it can be; how many were sent or tried."""
        tried = 0
        while True:
            now = self.clock()
            async with self.db.sessions() as session:
                due = await repository.due(session, now, SENT_CHANNELS, self.batch_size)
            claims = [c for c in [await self._claim(d.id, now) for d in due] if c is not None]
            for claim in claims:
                await self._deliver(claim)
            tried += len(claims)
            if len(due) < self.batch_size or not claims:
                return tried

    async def _claim(self, delivery_id: str, now: datetime) -> Claim | None:
        until = now + self.lease
        async with self.db.transaction() as session:
            if not await repository.claim(session, delivery_id, now, until):
                return None
            primary = await session.get(Delivery, delivery_id)
            assert primary is not None
            merged: list[Delivery] = []
            if primary.channel in (EMAIL, SMS):
                # An institution's mailbox may hear of several cases at once; a complainant of one.
                others = await repository.mergeable(
                    session,
                    primary,
                    any_case=primary.recipient != COMPLAINANT,
                    limit=self.merge_limit - 1,
                )
                taken = await repository.claim_pending(session, [o.id for o in others], until)
                merged = [other for other in others if other.id in taken]
        return Claim(primary, merged, until)

    async def _deliver(self, claim: Claim) -> None:
        if claim.primary.channel == WEBHOOK:
            await self._deliver_webhook(claim)
            return
        outcome = await _attempt(self._send(claim))
        async with self.db.transaction() as session:
            held = await repository.claimed(session, claim.ids, claim.until)
            by_id = {d.id: d for d in held}
            primary = by_id.pop(claim.primary.id, None)
            if primary is None:
                log.warning("a claim lapsed before its outcome", extra={"delivery": claim.ids[0]})
                return
            self._record(session, primary, list(by_id.values()), outcome)

    async def _deliver_webhook(self, claim: Claim) -> None:
        async with self.db.transaction() as session:
            held = await repository.claimed(session, claim.ids, claim.until)
            if not held:
                return
            delivery = held[0]
            now = self.clock()
            send = self.channels.webhook_send
            if send is None:
                outcome = Outcome(FAILED, "webhooks are not configured")
            else:
                outcome = await _attempt(send(session, delivery, now))
            if self._record(session, delivery, [], outcome) and self.channels.webhook_gave_up:
                await self.channels.webhook_gave_up(session, delivery, now)

    async def _send(self, claim: Claim) -> None:
        primary = claim.primary
        deliveries = sorted([primary, *claim.merged], key=lambda d: (d.created_at, d.id))
        notices = [Notice(d.kind, d.reference, dict(d.details)) for d in deliveries]
        audience: Literal["complainant", "institution"] = (
            "complainant" if primary.recipient == COMPLAINANT else "institution"
        )
        if primary.channel == EMAIL:
            if self.channels.email is None:
                raise CannotDeliver(NO_SMTP)
            to = await self._mailboxes(primary, {n.kind for n in notices})
            message = self.channels.render(notices, primary.language, audience, self.public_url)
            await self.channels.email.send(to, message, primary.id)
        elif primary.channel == SMS:
            if self.channels.sms is None:
                raise CannotDeliver(NO_SMS)
            phones = await self._phones(primary, {n.kind for n in notices})
            message = self.channels.render(notices, primary.language, audience, self.public_url)
            # One id per phone, the same at every try: the provider drops what it already sent.
            for message_id, phone in phones:
                await self.channels.sms.send(phone, message.short, message_id)
        else:
            raise CannotDeliver(f"no sender for the channel {primary.channel}")

    async def _mailboxes(self, delivery: Delivery, kinds: set[str]) -> list[str]:
        async with self.db.sessions() as session:
            if delivery.recipient == COMPLAINANT:
                contact = await repository.complainant_contact(session, delivery.reference)
                email = addresses(self.sealer, contact).email if contact else None
                if not email:
                    raise CannotDeliver(REMOVED_BY_COMPLAINANT)
                return [email]
            mailboxes = await repository.institution_mailboxes(session, delivery.recipient, kinds)
        found = [m.email for m in mailboxes if m.email]
        if not found:
            raise CannotDeliver(NO_MAILBOX)
        return found

    async def _phones(self, delivery: Delivery, kinds: set[str]) -> list[tuple[str, str]]:
        """Each phone to text, with the message id the provider sees for it."""
        async with self.db.sessions() as session:
            if delivery.recipient == COMPLAINANT:
                contact = await repository.complainant_contact(session, delivery.reference)
                phone = addresses(self.sealer, contact).phone if contact else None
                if not phone:
                    raise CannotDeliver(REMOVED_BY_COMPLAINANT)
                return [(delivery.id, phone)]
            contacts = await repository.institution_phones(session, delivery.recipient, kinds)
        found = [(f"{delivery.id}:{c.id}", c.phone) for c in contacts if c.phone]
        if not found:
            raise CannotDeliver(NO_PHONE)
        return found

    def _record(
        self,
        session: AsyncSession,
        primary: Delivery,
        merged: list[Delivery],
        outcome: Outcome,
    ) -> bool:
        """Write the outcome and its events; True when the delivery failed for good."""
        now = self.clock()
        primary.attempts += 1
        for delivery in (primary, *merged):
            delivery.claimed_until = None
        DELIVERIES.labels(
            primary.channel, "sent" if outcome.result == DELIVERED else "failed"
        ).inc()
        if outcome.result == DELIVERED:
            primary.status = DELIVERED
            primary.delivered_at = now
            primary.next_attempt_at = None
            primary.last_error = None
            for delivery in merged:
                delivery.status = MERGED
                delivery.merged_into = primary.id
                delivery.next_attempt_at = None
            for delivery in (primary, *merged):
                _announce_delivered(session, delivery, now)
            return False
        reason = outcome.reason or "unknown"
        again = retry_at(primary.attempts, now, delays=self.delays, jitter=self.jitter)
        if outcome.result == RETRY and again is not None:
            for delivery in (primary, *merged):
                delivery.status = PENDING
                delivery.next_attempt_at = again
            primary.last_error = reason[:REASON_LENGTH]
            return False
        if outcome.result == RETRY:
            reason = f"gave up after {primary.attempts} tries: {reason}"
        for delivery in (primary, *merged):
            delivery.status = FAILED
            delivery.next_attempt_at = None
            delivery.last_error = reason[:REASON_LENGTH]
            _announce_failed(session, delivery, now)
        log.info(
            "delivery failed for good",
            extra={"delivery": primary.id, "channel": primary.channel, "merged": len(merged)},
        )
        return True


async def _attempt(send: Awaitable[None]) -> Outcome:
    """Run one send and say how it went; an unexpected error is named by its type only."""
    try:
        await send
    except TryLater as error:
        return Outcome(RETRY, str(error) or "the other side asked to try later")
    except CannotDeliver as error:
        return Outcome(FAILED, str(error) or "the other side refused it")
    except Exception as error:
        # Its text could carry an address; the type is enough to look further.
        log.warning("sending raised", extra={"error": type(error).__name__})
        return Outcome(RETRY, f"unexpected error: {type(error).__name__}")
    return Outcome(DELIVERED)


def _announce_delivered(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
    add_event(
        session,
        NotificationDelivered(
            delivery_id=delivery.id,
            reference=delivery.reference,
            recipient=delivery.recipient,
            channel=delivery.channel,
            cause_event_id=delivery.cause_event_id,
            kind=delivery.kind,
            delivered_at=now,
        ),
        source=SOURCE,
        subject=delivery.reference,
    )


def _announce_failed(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
    add_event(
        session,
        NotificationFailed(
            delivery_id=delivery.id,
            reference=delivery.reference,
            recipient=delivery.recipient,
            channel=delivery.channel,
            cause_event_id=delivery.cause_event_id,
            kind=delivery.kind,
            reason=delivery.last_error or "unknown",
            failed_at=now,
        ),
        source=SOURCE,
        subject=delivery.reference,
    )
