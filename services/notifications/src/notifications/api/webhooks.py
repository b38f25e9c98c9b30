"""Notifications' internal HTTP API for webhook endpoints, each acting for the calling owner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from notifications.service import webhooks as service
from notifications.settings import NotificationsSettings
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts import webhooks as contract
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(
    prefix="/internal/webhooks", tags=["webhooks"], dependencies=[Depends(internal_principal)]
)

EndpointId = Annotated[str, Path(pattern=r"^wh-[0-9a-f]{32}$")]


async def get_settings(runtime: RuntimeDep) -> NotificationsSettings:
    settings = runtime.settings
    assert isinstance(settings, NotificationsSettings), "notifications runs on its own settings"
    return settings


SettingsDep = Annotated[NotificationsSettings, Depends(get_settings)]


async def get_now(request: Request) -> datetime:
    """The service's clock (tests hand one in to `create_app`), else the wall clock."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if callable(clock) else datetime.now(UTC)


NowDep = Annotated[datetime, Depends(get_now)]


@router.post("", status_code=201)
async def register(
    draft: contract.WebhookEndpointDraft,
    runtime: RuntimeDep,
    settings: SettingsDep,
    caller: CallerDep,
    now: NowDep,
) -> contract.WebhookEndpointCreated:
    return await service.register(runtime.sessions, settings, caller, draft, now)


@router.get("")
async def list_endpoints(runtime: RuntimeDep, caller: CallerDep) -> list[contract.WebhookEndpoint]:
    return await service.endpoints(runtime.sessions, caller)


@router.get("/{endpoint_id}")
async def get_endpoint(
    endpoint_id: EndpointId, runtime: RuntimeDep, caller: CallerDep
) -> contract.WebhookEndpoint:
    return await service.endpoint(runtime.sessions, caller, endpoint_id)


@router.patch("/{endpoint_id}")
async def change_endpoint(
    endpoint_id: EndpointId,
    changes: contract.WebhookEndpointChange,
    runtime: RuntimeDep,
    settings: SettingsDep,
    caller: CallerDep,
    now: NowDep,
) -> contract.WebhookEndpoint:
    return await service.change(runtime.sessions, settings, caller, endpoint_id, changes, now)


@router.delete("/{endpoint_id}", status_code=204)
async def delete_endpoint(
    endpoint_id: EndpointId, runtime: RuntimeDep, caller: CallerDep
) -> Response:
    await service.remove(runtime.sessions, caller, endpoint_id)
    return Response(status_code=204)


@router.post("/{endpoint_id}/secret")
async def rotate_secret(
    endpoint_id: EndpointId,
    runtime: RuntimeDep,
    settings: SettingsDep,
    caller: CallerDep,
    now: NowDep,
) -> contract.WebhookSecret:
    return await service.rotate_secret(runtime.sessions, settings, caller, endpoint_id, now)


@router.get("/{endpoint_id}/deliveries")
async def delivery_log(
    endpoint_id: EndpointId,
    runtime: RuntimeDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> contract.WebhookDeliveryPage:
    return await service.delivery_log(
        runtime.sessions, caller, endpoint_id, limit=limit, cursor=cursor
    )


@router.post("/{endpoint_id}/replay", status_code=202)
async def replay(
    endpoint_id: EndpointId,
    asked: contract.WebhookReplay,
    runtime: RuntimeDep,
    caller: CallerDep,
    now: NowDep,
) -> contract.WebhookReplayed:
    return await service.replay(runtime.sessions, caller, endpoint_id, asked, now)
