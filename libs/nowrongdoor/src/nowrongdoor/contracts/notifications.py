"""Notifications' HTTP contracts: the deliveries owed for a case."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.inbox import InboxApi
from nowrongdoor.contracts.webhooks import WebhooksApi


class Delivery(BaseModel):
    """One thing someone must be told about a case, and how far it got."""

    id: str
    reference: str
    recipient: str
    channel: str
    kind: str
    status: str
    cause_event_id: str
    created_at: datetime


class NotificationsClient(WebhooksApi, InboxApi):
    """Notifications' internal API, typed."""

    service = "notifications"

    async def deliveries(self, caller: Principal, reference: str) -> list[Delivery]:
        response = await self.call(
            caller, "GET", "/internal/deliveries", params={"reference": reference}
        )
        return self.read_list(response, Delivery)
