"""A stand-in for notifications: the deliveries owed for each case, in memory."""

from __future__ import annotations

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.notifications import Delivery, NotificationsClient

from .inbox import FakeInbox
from .stand_in import Switchboard
from .webhooks import FakeWebhooks


class FakeNotifications(FakeWebhooks, FakeInbox, NotificationsClient):
    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.owed: dict[str, list[Delivery]] = {}

    @override
    async def deliveries(self, caller: Principal, reference: str) -> list[Delivery]:
        await self.reached("deliveries", caller, reference)
        return list(self.owed.get(reference, []))
