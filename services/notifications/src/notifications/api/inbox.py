"""Notifications' internal HTTP API for the institution inbox and its notification contacts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from notifications.service import contacts_institution, inbox
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.inbox import (
    INBOX_PAGE_LIMIT,
    InboxAcknowledged,
    InboxAcknowledgement,
    InboxPage,
    NotificationContact,
)
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["inbox"], dependencies=[Depends(internal_principal)])


@router.get("/inbox")
async def read_inbox(
    runtime: RuntimeDep,
    caller: CallerDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=INBOX_PAGE_LIMIT)] = 50,
    unacknowledged: bool | None = None,
) -> InboxPage:
    return await inbox.read(
        runtime, caller, cursor=cursor, limit=limit, unacknowledged=unacknowledged
    )


@router.post("/inbox/acknowledgements")
async def acknowledge(
    acknowledgement: InboxAcknowledgement, runtime: RuntimeDep, caller: CallerDep
) -> InboxAcknowledged:
    return await inbox.acknowledge(runtime, caller, acknowledgement, datetime.now(UTC))


@router.get("/notification-contacts")
async def list_contacts(runtime: RuntimeDep, caller: CallerDep) -> list[NotificationContact]:
    return await contacts_institution.listed(runtime, caller)


@router.put("/notification-contacts")
async def replace_contacts(
    contacts: list[NotificationContact], runtime: RuntimeDep, caller: CallerDep
) -> list[NotificationContact]:
    return await contacts_institution.replace(runtime, caller, contacts, datetime.now(UTC))
