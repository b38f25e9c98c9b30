"""The institution inbox's HTTP contracts: what an institution was told, and acknowledging it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceClient

NotificationKind = Literal[
    "acknowledgement",
    "case-opened",
    "status-changed",
    "message-received",
    "deadline-breached",
    "triage-waiting",
    "transferred-in",
    "transferred-out",
    "invitation-received",
    "endpoint-disabled",
]
ContactLanguage = Literal["ar", "fr", "en", "nl", "de"]
INBOX_PAGE_LIMIT = 100
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 ().-]{6,20}$"


class InboxItem(BaseModel):
    """One thing the institution was told: its kind, its case and the non-personal details."""

    id: str = Field(
        description="Stable: acknowledge it by this id",
        examples=["5f0c2a8e-1b7d-4c3e-9a61-2d8f4b0e7c19"],
    )
    kind: str = Field(examples=["case-opened"])
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    created_at: datetime
    acknowledged_at: datetime | None = Field(
        description="None until the institution acknowledged it"
    )
    details: dict[str, Any] = Field(
        description="Statuses, institution names, dates; never personal data",
        examples=[{"status": "routed", "institution_names": ["Médiateur du Royaume"]}],
    )
    link: str = Field(description="The case, on this API", examples=["/v1/cases/NWD-7K3M9QX2VD4H"])


class InboxPage(BaseModel):
    """One page of the inbox, oldest first; `next_cursor` fetches the next one."""

    items: list[InboxItem]
    next_cursor: str | None = Field(None, description="None on the last page")


class InboxAcknowledgement(BaseModel):
    """Entries to mark as acknowledged: by id, or every one up to and including one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [{"required": ["ids"]}, {"required": ["up_to"]}],
            "examples": [{"ids": ["5f0c2a8e-1b7d-4c3e-9a61-2d8f4b0e7c19"]}],
        },
    )

    ids: list[str] | None = Field(None, min_length=1, max_length=INBOX_PAGE_LIMIT)
    up_to: str | None = Field(
        None, max_length=64, description="This entry and every one before it in the inbox"
    )

    @model_validator(mode="after")
    def _one_way(self) -> InboxAcknowledgement:
        if (self.ids is None) == (self.up_to is None):
            raise ValueError("give either `ids` or `up_to`")
        return self


class InboxAcknowledged(BaseModel):
    acknowledged: int = Field(description="How many entries were acknowledged now, not before")


class NotificationContact(BaseModel):
    """A functional mailbox or phone of the institution (never a person's) and what it wants."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("email", "phone")
            ]
        },
    )

    email: str | None = Field(
        None, max_length=254, pattern=EMAIL_PATTERN, examples=["plaintes@ma-mediateur.example"]
    )
    phone: str | None = Field(None, pattern=PHONE_PATTERN, examples=["+212 537 000 000"])
    language: ContactLanguage = Field(examples=["fr"])
    kinds: list[NotificationKind] = Field(
        default_factory=list, max_length=10, description="What it wants; empty means everything"
    )

    @model_validator(mode="after")
    def _reachable(self) -> NotificationContact:
        if not (self.email or self.phone):
            raise ValueError("give an email address, a phone number, or both")
        return self


class InboxApi(ServiceClient):
    """Notifications' internal inbox and contact routes, typed; part of `NotificationsClient`."""

    async def inbox(
        self,
        caller: Principal,
        *,
        cursor: str | None = None,
        limit: int = 50,
        unacknowledged: bool | None = None,
    ) -> InboxPage:
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        if unacknowledged is not None:
            params["unacknowledged"] = "true" if unacknowledged else "false"
        response = await self.call(caller, "GET", "/internal/inbox", params=params)
        return self.read(response, InboxPage)

    async def acknowledge(
        self, caller: Principal, acknowledgement: InboxAcknowledgement
    ) -> InboxAcknowledged:
        """`ServiceProblem` 404 when an id is none of the caller's entries."""
        response = await self.call(
            caller,
            "POST",
            "/internal/inbox/acknowledgements",
            json=acknowledgement.model_dump(mode="json", exclude_none=True),
        )
        return self.read(response, InboxAcknowledged)

    async def notification_contacts(self, caller: Principal) -> list[NotificationContact]:
        response = await self.call(caller, "GET", "/internal/notification-contacts")
        return self.read_list(response, NotificationContact)

    async def replace_notification_contacts(
        self, caller: Principal, contacts: list[NotificationContact]
    ) -> list[NotificationContact]:
        response = await self.call(
            caller,
            "PUT",
            "/internal/notification-contacts",
            json=[contact.model_dump(mode="json") for contact in contacts],
        )
        return self.read_list(response, NotificationContact)


__all__ = [
    "ContactLanguage",
    "InboxAcknowledged",
    "InboxAcknowledgement",
    "InboxApi",
    "InboxItem",
    "InboxPage",
    "NotificationContact",
    "NotificationKind",
]
