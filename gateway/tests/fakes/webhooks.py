"""A stand-in for notifications' webhook endpoints: each owner's endpoints and log, in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.webhooks import (
    WebhookDelivery,
    WebhookDeliveryPage,
    WebhookEndpoint,
    WebhookEndpointChange,
    WebhookEndpointCreated,
    WebhookEndpointDraft,
    WebhookReplay,
    WebhookReplayed,
    WebhooksApi,
    WebhookSecret,
)
from nowrongdoor.problems import FieldProblem

from .stand_in import StandIn, Switchboard


@dataclass
class Registered:
    owner: str
    endpoint: WebhookEndpoint
    secrets: list[str]
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    """Newest first, as the log lists them."""
    replayed: list[str] = field(default_factory=list)


class FakeWebhooks(StandIn, WebhooksApi):
    service: ClassVar[str] = "notifications"

    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.endpoints: dict[str, Registered] = {}

    def _owned(self, caller: Principal, endpoint_id: str) -> Registered:
        registered = self.endpoints.get(endpoint_id)
        if registered is None or registered.owner != caller.institution_id:
            raise self.refusal(404, "No webhook endpoint with this id for this client.")
        return registered

    def _checked(self, url: str) -> None:
        if not url.startswith("https://"):
            raise self._invalid_url("the URL must use https outside development")
        if url.startswith(("https://127.", "https://10.", "https://[::1]")):
            raise self._invalid_url("the host resolves to a loopback or private address")

    def _invalid_url(self, reason: str) -> ServiceProblem:
        return self.refusal(
            422,
            f"The webhook URL cannot be used: {reason}.",
            slug="validation-error",
            title="Invalid request",
            errors=[FieldProblem(field="url", message=reason)],
        )

    @override
    async def create_webhook(
        self, caller: Principal, draft: WebhookEndpointDraft
    ) -> WebhookEndpointCreated:
        await self.reached("create_webhook", caller, draft)
        self._checked(draft.url)
        now = datetime.now(UTC)
        endpoint = WebhookEndpoint(
            id=f"wh-{uuid.uuid4().hex}",
            url=draft.url,
            event_types=list(draft.event_types),
            description=draft.description,
            enabled=True,
            consecutive_failures=0,
            created_at=now,
            updated_at=now,
        )
        secret = f"whsec_{uuid.uuid4().hex}"
        assert caller.institution_id is not None
        self.endpoints[endpoint.id] = Registered(caller.institution_id, endpoint, [secret])
        return WebhookEndpointCreated(**endpoint.model_dump(), secret=secret)

    @override
    async def webhooks(self, caller: Principal) -> list[WebhookEndpoint]:
        await self.reached("webhooks", caller)
        return [r.endpoint for r in self.endpoints.values() if r.owner == caller.institution_id]

    @override
    async def webhook(self, caller: Principal, endpoint_id: str) -> WebhookEndpoint | None:
        await self.reached("webhook", caller, endpoint_id)
        registered = self.endpoints.get(endpoint_id)
        if registered is None or registered.owner != caller.institution_id:
            return None
        return registered.endpoint

    @override
    async def change_webhook(
        self, caller: Principal, endpoint_id: str, change: WebhookEndpointChange
    ) -> WebhookEndpoint:
        await self.reached("change_webhook", caller, change)
        registered = self._owned(caller, endpoint_id)
        if change.url is not None:
            self._checked(change.url)
        update = change.model_dump(exclude_unset=True)
        if change.enabled:
            update |= {"disabled_reason": None, "consecutive_failures": 0}
        registered.endpoint = registered.endpoint.model_copy(update=update)
        return registered.endpoint

    @override
    async def delete_webhook(self, caller: Principal, endpoint_id: str) -> None:
        await self.reached("delete_webhook", caller, endpoint_id)
        self._owned(caller, endpoint_id)
        del self.endpoints[endpoint_id]

    @override
    async def rotate_webhook_secret(self, caller: Principal, endpoint_id: str) -> WebhookSecret:
        await self.reached("rotate_webhook_secret", caller, endpoint_id)
        registered = self._owned(caller, endpoint_id)
        secret = f"whsec_{uuid.uuid4().hex}"
        registered.secrets.insert(0, secret)
        until = datetime.now(UTC) + timedelta(hours=24)
        registered.endpoint = registered.endpoint.model_copy(
            update={"previous_secret_valid_until": until}
        )
        return WebhookSecret(secret=secret, previous_secret_valid_until=until)

    @override
    async def webhook_deliveries(
        self, caller: Principal, endpoint_id: str, *, limit: int, cursor: str | None = None
    ) -> WebhookDeliveryPage:
        await self.reached("webhook_deliveries", caller, (endpoint_id, limit, cursor))
        logged = self._owned(caller, endpoint_id).deliveries
        start = 0
        if cursor is not None:
            ids = [d.id for d in logged]
            if cursor not in ids:
                raise self.refusal(
                    422,
                    "1 field is invalid",
                    slug="validation-error",
                    title="Invalid request",
                    errors=[FieldProblem(field="cursor", message="Not a cursor of this log")],
                )
            start = ids.index(cursor) + 1
        page = logged[start : start + limit]
        more = start + limit < len(logged)
        return WebhookDeliveryPage(items=page, next_cursor=page[-1].id if more else None)

    @override
    async def replay_webhook(
        self, caller: Principal, endpoint_id: str, replay: WebhookReplay
    ) -> WebhookReplayed:
        await self.reached("replay_webhook", caller, replay)
        registered = self._owned(caller, endpoint_id)
        if replay.delivery_id is not None:
            chosen = [d.id for d in registered.deliveries if d.id == replay.delivery_id]
            if not chosen:
                raise self.refusal(404, "No delivery with this id for this endpoint.")
        else:
            chosen = [
                d.id
                for d in registered.deliveries
                if replay.since is not None
                and d.created_at >= replay.since
                and (replay.until is None or d.created_at <= replay.until)
            ]
        registered.replayed.extend(chosen)
        return WebhookReplayed(replayed=len(chosen))
