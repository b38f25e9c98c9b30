"""Webhook endpoints' HTTP contracts: registering, rotating secrets, the delivery log, replay."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem

WebhookEventType = Literal[
    "org.nowrongdoor.case.opened.v1",
    "org.nowrongdoor.case.status-changed.v1",
    "org.nowrongdoor.case.message-posted.v1",
    "org.nowrongdoor.case.transferred.v1",
    "org.nowrongdoor.case.deadline-breached.v1",
    "org.nowrongdoor.case.invitation-sent.v1",
    "org.nowrongdoor.complaint.triage-required.v1",
]
WEBHOOK_EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventType)
"""The case events an institution or an NGO may follow over a webhook, as CloudEvent types."""

_URL = Field(
    max_length=2000,
    description="Where the events are posted: `https` (plain `http` only in development), on a "
    "public address; redirects are not followed",
    examples=["https://cases.example.org/nowrongdoor/events"],
)


class WebhookEndpointDraft(BaseModel):
    """An endpoint to register: where to post, which events, and a note for its owner."""

    model_config = ConfigDict(extra="forbid")

    url: str = _URL
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=len(WEBHOOK_EVENT_TYPES))
    description: str = Field("", max_length=200, examples=["Our case management system"])


class WebhookEndpointChange(BaseModel):
    """What to change in an endpoint; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2000)
    event_types: list[WebhookEventType] | None = Field(
        None, min_length=1, max_length=len(WEBHOOK_EVENT_TYPES)
    )
    description: str | None = Field(None, max_length=200)
    enabled: bool | None = Field(
        None, description="`true` turns an endpoint disabled after repeated failures back on"
    )


class WebhookEndpoint(BaseModel):
    """A registered endpoint, as its owner sees it; never its secret."""

    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None = Field(
        None, description="Why the platform stopped calling it, once it did"
    )
    consecutive_failures: int
    previous_secret_valid_until: datetime | None = Field(
        None, description="After a rotation, until when the previous secret still signs too"
    )
    created_at: datetime
    updated_at: datetime


class WebhookSecret(BaseModel):
    """An endpoint's signing secret: shown when the endpoint is made and when it is rotated."""

    secret: str = Field(
        description="`whsec_` and base64; verify each delivery's `webhook-signature` with it",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    previous_secret_valid_until: datetime | None = Field(
        None, description="Until when deliveries are signed with the previous secret as well"
    )


class WebhookEndpointCreated(WebhookEndpoint):
    """The endpoint just registered, with its secret: shown this once."""

    secret: str = Field(description="`whsec_` and base64; it is not shown again")


class WebhookAttempt(BaseModel):
    """One try at posting a delivery."""

    at: datetime
    status_code: int | None = Field(None, description="What the receiver answered, if it did")
    outcome: Literal["delivered", "failed"]
    error: str | None = None
    duration_ms: int


class WebhookDelivery(BaseModel):
    """One event owed to an endpoint; its id is the `webhook-id` the receiver de-duplicates on."""

    id: str = Field(description="The `webhook-id` header of every try, replays included")
    event_type: str = Field(examples=["org.nowrongdoor.case.opened.v1"])
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: str = Field(description="`pending`, `sending`, `delivered` or `failed`")
    attempts: int
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None
    attempt_log: list[WebhookAttempt] = Field(default_factory=list, description="Oldest first")


class WebhookDeliveryPage(BaseModel):
    items: list[WebhookDelivery] = Field(description="Newest first")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; absent on the last page"
    )


class WebhookReplay(BaseModel):
    """Send again one delivery, or every delivery made in a time range, with the same ids."""

    model_config = ConfigDict(extra="forbid")

    delivery_id: str | None = Field(None, max_length=64)
    since: datetime | None = None
    until: datetime | None = None

    @model_validator(mode="after")
    def _one_way(self) -> WebhookReplay:
        if self.delivery_id is not None and (self.since or self.until):
            raise ValueError("give either delivery_id or since/until, not both")
        if self.delivery_id is None and self.since is None:
            raise ValueError("give delivery_id, or since (and until if you wish)")
        if self.since and self.until and self.until < self.since:
            raise ValueError("until must not be before since")
        return self


class WebhookReplayed(BaseModel):
    replayed: int = Field(description="How many deliveries will go out again")


class WebhooksApi(ServiceClient):
    """Notifications' internal webhook routes, typed; part of `NotificationsClient`.

    Each acts on the caller's own endpoints; another owner's endpoint answers like a missing one.
    """

    async def create_webhook(
        self, caller: Principal, draft: WebhookEndpointDraft
    ) -> WebhookEndpointCreated:
        response = await self.call(
            caller, "POST", "/internal/webhooks", json=draft.model_dump(mode="json")
        )
        return self.read(response, WebhookEndpointCreated)

    async def webhooks(self, caller: Principal) -> list[WebhookEndpoint]:
        response = await self.call(caller, "GET", "/internal/webhooks")
        return self.read_list(response, WebhookEndpoint)

    async def webhook(self, caller: Principal, endpoint_id: str) -> WebhookEndpoint | None:
        try:
            response = await self.call(caller, "GET", f"/internal/webhooks/{endpoint_id}")
        except ServiceProblem as error:
            if error.status == 404:
                return None
            raise
        return self.read(response, WebhookEndpoint)

    async def change_webhook(
        self, caller: Principal, endpoint_id: str, change: WebhookEndpointChange
    ) -> WebhookEndpoint:
        response = await self.call(
            caller,
            "PATCH",
            f"/internal/webhooks/{endpoint_id}",
            json=change.model_dump(mode="json", exclude_unset=True),
        )
        return self.read(response, WebhookEndpoint)

    async def delete_webhook(self, caller: Principal, endpoint_id: str) -> None:
        await self.call(caller, "DELETE", f"/internal/webhooks/{endpoint_id}")

    async def rotate_webhook_secret(self, caller: Principal, endpoint_id: str) -> WebhookSecret:
        response = await self.call(caller, "POST", f"/internal/webhooks/{endpoint_id}/secret")
        return self.read(response, WebhookSecret)

    async def webhook_deliveries(
        self, caller: Principal, endpoint_id: str, *, limit: int, cursor: str | None = None
    ) -> WebhookDeliveryPage:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self.call(
            caller, "GET", f"/internal/webhooks/{endpoint_id}/deliveries", params=params
        )
        return self.read(response, WebhookDeliveryPage)

    async def replay_webhook(
        self, caller: Principal, endpoint_id: str, replay: WebhookReplay
    ) -> WebhookReplayed:
        response = await self.call(
            caller,
            "POST",
            f"/internal/webhooks/{endpoint_id}/replay",
            json=replay.model_dump(mode="json", exclude_none=True),
        )
        return self.read(response, WebhookReplayed)
