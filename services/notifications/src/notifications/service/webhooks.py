"""Webhook use cases: endpoints their owners manage, signed sending, giving up, the log, replay.

An endpoint belongs to an institution or an NGO (the `institution_id` its API clients carry) and
only its owner's clients see or touch it; another owner's endpoint answers like a missing one.
Its secret is sealed at rest under notifications' keys. The sender loop calls `send` for each
webhook delivery due and `gave_up` when one has failed for good; both change rows in the session
they are given, which the caller commits whether they return or raise.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.channels import CannotDeliver, TryLater
from notifications.channels.webhook import (
    AddressRefused,
    AddressUnresolved,
    Answer,
    UrlRules,
    check_form,
    event_type_of,
    new_secret,
    payload,
    post,
    resolve,
    signature,
)
from notifications.models import Delivery, WebhookAttempt, WebhookEndpoint
from notifications.repository import webhooks as repository
from notifications.service.dispatch import WebhookCall
from notifications.service.owing import owe_institution
from notifications.settings import NotificationsSettings
from nowrongdoor.auth import Principal
from nowrongdoor.contracts import webhooks as contract
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.problems import FieldProblem, ProblemError

MAX_ENDPOINTS = 20
"""Per owner: enough for a few systems and a test one, too few to turn the sender on someone."""
REPLAYABLE = ("delivered", "failed")
ENDPOINT_DISABLED = "endpoint-disabled"


@dataclass(frozen=True)
class Owner:
    id: str
    kind: str


# -- the rules ---------------------------------------------------------------------------------


def url_rules(settings: NotificationsSettings) -> UrlRules:
    """Plain `http` only in development; private addresses only there too, unless set."""
    development = settings.environment == "development"
    allowed = settings.webhook_allow_private_addresses
    return UrlRules(
        allow_http=development, allow_private=development if allowed is None else allowed
    )


async def check_url(url: str, settings: NotificationsSettings) -> None:
    """A URL an endpoint may have, or 422 with the plain reason."""
    rules = url_rules(settings)
    try:
        await resolve(check_form(url, rules), rules)
    except (AddressRefused, AddressUnresolved) as refusal:
        reason = f"The webhook URL cannot be used: {refusal}."
        raise ProblemError(
            422, reason, errors=[FieldProblem(field="url", message=str(refusal))]
        ) from None


def owner_of(caller: Principal) -> Owner:
    """Institutions and NGOs own endpoints; any other caller is refused."""
    if caller.kind not in ("institution", "ngo") or not caller.institution_id:
        raise ProblemError(
            403, "Only institution and NGO clients have webhook endpoints.", slug="forbidden"
        )
    return Owner(caller.institution_id, caller.kind)


def _context(endpoint_id: str) -> str:
    return f"webhook-secret:{endpoint_id}"


def _not_found() -> ProblemError:
    return ProblemError(404, "No webhook endpoint with this id for this client.")


def view(endpoint: WebhookEndpoint) -> contract.WebhookEndpoint:
    return contract.WebhookEndpoint(
        id=endpoint.id,
        url=endpoint.url,
        event_types=list(endpoint.event_types),
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        consecutive_failures=endpoint.consecutive_failures,
        previous_secret_valid_until=endpoint.previous_secret_until
        if endpoint.previous_secret_sealed
        else None,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


# -- what owners ask ---------------------------------------------------------------------------


async def register(
    sessions: SessionMaker,
    settings: NotificationsSettings,
    caller: Principal,
    draft: contract.WebhookEndpointDraft,
    now: datetime,
) -> contract.WebhookEndpointCreated:
    """A new endpoint with a fresh secret, shown this once."""
    owner = owner_of(caller)
    await check_url(draft.url, settings)
    endpoint_id = f"wh-{uuid.uuid4().hex}"
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        owner_kind=owner.kind,
        owner_id=owner.id,
        url=draft.url,
        description=draft.description,
        event_types=list(dict.fromkeys(draft.event_types)),
        secret_sealed=Sealer(settings.keys()).seal(secret, _context(endpoint_id)),
        previous_secret_until=None,
        disabled_reason=None,
        created_at=now,
        updated_at=now,
    )
    async with unit_of_work(sessions) as session:
        if len(await repository.endpoints_of(session, owner.id)) >= MAX_ENDPOINTS:
            raise ProblemError(
                409,
                f"An owner may have at most {MAX_ENDPOINTS} webhook endpoints; delete one first.",
                slug="too-many-endpoints",
                title="Too many endpoints",
            )
        repository.add_endpoint(session, endpoint)
    return contract.WebhookEndpointCreated(**view(endpoint).model_dump(), secret=secret)


async def endpoints(sessions: SessionMaker, caller: Principal) -> list[contract.WebhookEndpoint]:
    owner = owner_of(caller)
    async with sessions() as session:
        return [view(endpoint) for endpoint in await repository.endpoints_of(session, owner.id)]


async def endpoint(
    sessions: SessionMaker, caller: Principal, endpoint_id: str
) -> contract.WebhookEndpoint:
    owner = owner_of(caller)
    async with sessions() as session:
        found = await repository.owned_endpoint(session, owner.id, endpoint_id)
    if found is None:
        raise _not_found()
    return view(found)


async def change(
    sessions: SessionMaker,
    settings: NotificationsSettings,
    caller: Principal,
    endpoint_id: str,
    changes: contract.WebhookEndpointChange,
    now: datetime,
) -> contract.WebhookEndpoint:
    """The endpoint changed; turning it back on clears its failures."""
    owner = owner_of(caller)
    if changes.url is not None:
        await check_url(changes.url, settings)
    async with unit_of_work(sessions) as session:
        found = await repository.owned_endpoint(session, owner.id, endpoint_id)
        if found is None:
            raise _not_found()
        if changes.url is not None:
            found.url = changes.url
        if changes.event_types is not None:
            found.event_types = list(dict.fromkeys(changes.event_types))
        if changes.description is not None:
            found.description = changes.description
        if changes.enabled is True and not found.enabled:
            found.enabled, found.disabled_reason, found.consecutive_failures = True, None, 0
        elif changes.enabled is False and found.enabled:
            found.enabled, found.disabled_reason = False, "turned off by its owner"
        found.updated_at = now
    return view(found)


async def remove(sessions: SessionMaker, caller: Principal, endpoint_id: str) -> None:
    """The endpoint and its log; what was still owed to it fails when its turn comes."""
    owner = owner_of(caller)
    async with unit_of_work(sessions) as session:
        found = await repository.owned_endpoint(session, owner.id, endpoint_id)
        if found is None:
            raise _not_found()
        await repository.delete_endpoint(session, found)


async def rotate_secret(
    sessions: SessionMaker,
    settings: NotificationsSettings,
    caller: Principal,
    endpoint_id: str,
    now: datetime,
) -> contract.WebhookSecret:
    """A new secret; the one before still signs, alongside, for the overlap the settings give."""
    owner = owner_of(caller)
    secret = new_secret()
    overlap = timedelta(hours=settings.webhook_secret_overlap_hours)
    async with unit_of_work(sessions) as session:
        found = await repository.owned_endpoint(session, owner.id, endpoint_id)
        if found is None:
            raise _not_found()
        if overlap > timedelta(0):
            found.previous_secret_sealed = found.secret_sealed
            found.previous_secret_until = now + overlap
        else:
            found.previous_secret_sealed, found.previous_secret_until = None, None
        found.secret_sealed = Sealer(settings.keys()).seal(secret, _context(found.id))
        found.updated_at = now
    return contract.WebhookSecret(
        secret=secret, previous_secret_valid_until=found.previous_secret_until
    )


async def delivery_log(
    sessions: SessionMaker, caller: Principal, endpoint_id: str, *, limit: int, cursor: str | None
) -> contract.WebhookDeliveryPage:
    """One page of what was owed to the endpoint, newest first, each with its attempts."""
    owner = owner_of(caller)
    async with sessions() as session:
        if await repository.owned_endpoint(session, owner.id, endpoint_id) is None:
            raise _not_found()
        after = await repository.delivery(session, endpoint_id, cursor) if cursor else None
        if cursor and after is None:
            raise ProblemError(
                422,
                "1 field is invalid",
                errors=[FieldProblem(field="cursor", message="Not a cursor this log handed out")],
            )
        page = await repository.deliveries_page(session, endpoint_id, after=after, limit=limit + 1)
        attempts = await repository.attempts_for(session, [d.id for d in page[:limit]])
    by_delivery: dict[str, list[WebhookAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    items = [_logged(delivery, by_delivery.get(delivery.id, [])) for delivery in page[:limit]]
    return contract.WebhookDeliveryPage(
        items=items, next_cursor=page[limit - 1].id if len(page) > limit else None
    )


def _logged(delivery: Delivery, attempts: list[WebhookAttempt]) -> contract.WebhookDelivery:
    last = attempts[-1] if attempts else None
    return contract.WebhookDelivery(
        id=delivery.id,
        event_type=event_type_of(delivery),
        reference=delivery.reference,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
        last_status_code=last.status_code if last else None,
        last_error=delivery.last_error or (last.error if last else None),
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        attempt_log=[
            contract.WebhookAttempt(
                at=a.attempted_at,
                status_code=a.status_code,
                outcome="delivered" if a.outcome == "delivered" else "failed",
                error=a.error,
                duration_ms=a.duration_ms,
            )
            for a in attempts
        ],
    )


async def replay(
    sessions: SessionMaker,
    caller: Principal,
    endpoint_id: str,
    asked: contract.WebhookReplay,
    now: datetime,
) -> contract.WebhookReplayed:
    """Delivered or failed deliveries made pending again, each keeping its id (`webhook-id`)."""
    owner = owner_of(caller)
    async with unit_of_work(sessions) as session:
        found = await repository.owned_endpoint(session, owner.id, endpoint_id)
        if found is None:
            raise _not_found()
        if not found.enabled:
            raise ProblemError(
                409,
                "This endpoint is disabled; turn it back on (`enabled: true`) before replaying.",
                slug="endpoint-disabled",
                title="Endpoint disabled",
            )
        if asked.delivery_id is not None:
            one = await repository.delivery(session, endpoint_id, asked.delivery_id)
            if one is None:
                raise ProblemError(404, "No delivery with this id for this endpoint.")
            chosen = [one] if one.status in REPLAYABLE else []
        else:
            assert asked.since is not None, "the contract asks for since without a delivery id"
            chosen = await repository.deliveries_between(
                session, endpoint_id, asked.since, asked.until, REPLAYABLE
            )
        for delivery in chosen:
            delivery.status, delivery.attempts = "pending", 0
            delivery.next_attempt_at, delivery.claimed_until = now, None
            delivery.last_error, delivery.delivered_at = None, None
    return contract.WebhookReplayed(replayed=len(chosen))


# -- what the sender loop asks -----------------------------------------------------------------


def following(endpoints: Iterable[WebhookEndpoint], event_type: str) -> list[WebhookEndpoint]:
    """The enabled ones among `endpoints` that follow this CloudEvent type."""
    return [e for e in endpoints if e.enabled and event_type in e.event_types]


def sender(settings: NotificationsSettings) -> WebhookCall:
    """`send` bound to the service's settings and keys (read once), as the sender loop calls it."""
    sealer = Sealer(settings.keys())

    async def send_with_settings(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
        await send(session, delivery, now, settings=settings, sealer=sealer)

    return send_with_settings


async def send(
    session: AsyncSession,
    delivery: Delivery,
    now: datetime,
    *,
    settings: NotificationsSettings,
    sealer: Sealer,
) -> None:
    """Post the delivery, signed, to its endpoint and log the attempt.

    Returns once the receiver answered 2xx; raises TryLater for a timeout, a network error, an
    unresolved host or any other answer, CannotDeliver for 410 Gone (the endpoint is then
    disabled and its owner told), a refused address, or an endpoint deleted or disabled.
    """
    endpoint = await repository.endpoint(session, delivery.recipient)
    if endpoint is None:
        raise CannotDeliver("the webhook endpoint was deleted")
    if not endpoint.enabled:
        raise CannotDeliver("the webhook endpoint is disabled")
    rules = url_rules(settings)
    try:
        url = check_form(endpoint.url, rules)
        addresses = await resolve(url, rules)
    except AddressRefused as refused:
        _log(session, delivery, endpoint, now, Answer("retry", None, str(refused), 0))
        raise CannotDeliver(f"the webhook URL is refused: {refused}") from None
    except AddressUnresolved as unresolved:
        _log(session, delivery, endpoint, now, Answer("retry", None, str(unresolved), 0))
        raise TryLater(str(unresolved)) from None
    body = payload(delivery, settings.public_url)
    headers = {
        "content-type": "application/json",
        "user-agent": "NoWrongDoor-Webhooks/1",
        "webhook-id": delivery.id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(
            _secrets_in_force(endpoint, now, sealer), delivery.id, now, body
        ),
    }
    answer = await post(
        url,
        addresses[0],
        headers=headers,
        body=body,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    _log(session, delivery, endpoint, now, answer)
    if answer.outcome == "delivered":
        return
    if answer.outcome == "gone":
        await _disable(session, endpoint, delivery, now, "the receiver answered 410 Gone")
        raise CannotDeliver(answer.error or "the receiver answered 410 Gone")
    raise TryLater(answer.error or "the receiver did not take it")


async def gave_up(session: AsyncSession, delivery: Delivery, now: datetime) -> None:
    """A delivery failed for good: its endpoint is disabled and its owner told, once."""
    endpoint = await repository.endpoint(session, delivery.recipient)
    if endpoint is None or not endpoint.enabled:
        return
    why = delivery.last_error or "it did not answer"
    await _disable(session, endpoint, delivery, now, f"deliveries kept failing ({why})")


def _secrets_in_force(endpoint: WebhookEndpoint, now: datetime, sealer: Sealer) -> list[str]:
    context = _context(endpoint.id)
    current = [sealer.open(endpoint.secret_sealed, context)]
    previous_until = endpoint.previous_secret_until
    if endpoint.previous_secret_sealed and previous_until is not None and previous_until > now:
        current.append(sealer.open(endpoint.previous_secret_sealed, context))
    return current


def _log(
    session: AsyncSession,
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    now: datetime,
    answer: Answer,
) -> None:
    """The attempt in the endpoint's log, and its run of failures counted or reset."""
    delivered = answer.outcome == "delivered"
    endpoint.consecutive_failures = 0 if delivered else endpoint.consecutive_failures + 1
    repository.add_attempt(
        session,
        WebhookAttempt(
            # Sorts by time within one delivery's log even when two attempts share a second.
            id=f"{now:%Y%m%d%H%M%S%f}-{secrets.token_hex(8)}",
            delivery_id=delivery.id,
            endpoint_id=endpoint.id,
            attempted_at=now,
            status_code=answer.status_code,
            outcome="delivered" if delivered else "failed",
            error=answer.error[:300] if answer.error else None,
            duration_ms=answer.duration_ms,
        ),
    )


async def _disable(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    delivery: Delivery,
    now: datetime,
    reason: str,
) -> None:
    endpoint.enabled, endpoint.disabled_reason = False, reason[:300]
    endpoint.updated_at = now
    await owe_institution(
        session,
        cause_event_id=f"{ENDPOINT_DISABLED}:{delivery.id}",
        reference=delivery.reference,
        institution_id=endpoint.owner_id,
        kind=ENDPOINT_DISABLED,
        details={"url_host": httpx.URL(endpoint.url).host, "reason": reason},
        now=now,
    )
