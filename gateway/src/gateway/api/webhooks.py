"""Webhook endpoints: where an institution or an NGO wants case events posted, signed.

The gateway checks the client's kind and scope and forwards; notifications keeps each endpoint
for the owner its clients act for (the institution or the NGO), and to any other client an
endpoint answers exactly like one that does not exist. Reading needs `cases:read`, changing
`cases:write`. Answers are never cached: some carry a secret.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from gateway.api.answers import NO_STORE, PROBLEM, problem_answer, unavailable
from gateway.edge.authentication import CallerDep, require_kind, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.webhooks import (
    WEBHOOK_EVENT_TYPES,
    WebhookDeliveryPage,
    WebhookEndpoint,
    WebhookEndpointChange,
    WebhookEndpointCreated,
    WebhookEndpointDraft,
    WebhookReplay,
    WebhookReplayed,
    WebhookSecret,
)
from nowrongdoor.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["webhooks"])

EndpointId = Annotated[
    str, Path(max_length=64, description="The endpoint's id", examples=["wh-3f1c…"])
]
ENDPOINT_PATTERN = r"^wh-[0-9a-f]{32}$"

_SIGNING = (
    "Every delivery is a `POST` of JSON `{type, timestamp, data}` — `data` holds the case "
    "`reference`, ids, statuses, dates and a link, never personal data — with the Standard "
    "Webhooks headers `webhook-id` (the same on every retry and replay: de-duplicate on it), "
    "`webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the endpoint's secret). "
    "Answer 2xx to take it; anything else is retried with growing, jittered delays for more "
    "than a day, after which the endpoint is disabled and its owner told in its inbox; `410 "
    "Gone` disables it at once."
)
COMMON: dict[int | str, dict[str, Any]] = {
    401: {**PROBLEM, "description": "No valid access token"},
    403: {**PROBLEM, "description": "Not an institution or NGO client, or without the scope"},
    503: unavailable("Notifications"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_answer("No endpoint with this id for this client")
}
INVALID_URL = problem_answer(
    "A field is invalid: an event type not among those listed, or a URL that is not https "
    "(outside development) or whose host resolves to a loopback, private, link-local or "
    "otherwise non-public address"
)


def _reading(caller: Principal) -> None:
    require_kind(caller, "institution", "ngo")
    require_scope(caller, "cases:read")


def _managing(caller: Principal) -> None:
    require_kind(caller, "institution", "ngo")
    require_scope(caller, "cases:write")


def _known(endpoint_id: str) -> str:
    """An id notifications could have handed out; any other is the same 404."""
    if not re.fullmatch(ENDPOINT_PATTERN, endpoint_id):
        raise ProblemError(404, "No webhook endpoint with this id for this client.")
    return endpoint_id


@router.post(
    "/webhooks",
    status_code=201,
    summary="Register a webhook endpoint",
    description=(
        "Case events of the calling institution (or NGO) will be posted to `url`, for the "
        f"`event_types` chosen among: {', '.join(f'`{t}`' for t in WEBHOOK_EVENT_TYPES)}. "
        "The answer carries the endpoint's `secret` (`whsec_…`): it is shown only here and when "
        "rotated, so keep it. " + _SIGNING + " Needs `cases:write`."
    ),
    responses={**COMMON, 409: problem_answer("The owner has 20 endpoints"), 422: INVALID_URL},
)
async def register_webhook(
    draft: WebhookEndpointDraft, upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> WebhookEndpointCreated:
    _managing(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.create_webhook(caller, draft)


@router.get(
    "/webhooks",
    summary="The client's webhook endpoints",
    description="Every endpoint of the calling institution or NGO, oldest first, without secrets."
    " Needs `cases:read`.",
    responses=COMMON,
)
async def list_webhooks(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> list[WebhookEndpoint]:
    _reading(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.webhooks(caller)


@router.get(
    "/webhooks/{endpoint_id}",
    summary="One webhook endpoint",
    description="The endpoint, whether it is enabled and why not. Needs `cases:read`.",
    responses={**COMMON, **NOT_FOUND},
)
async def get_webhook(
    endpoint_id: EndpointId, upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> WebhookEndpoint:
    _reading(caller)
    found = await upstreams.notifications.webhook(caller, _known(endpoint_id))
    if found is None:
        raise ProblemError(404, "No webhook endpoint with this id for this client.")
    response.headers.update(NO_STORE)
    return found


@router.patch(
    "/webhooks/{endpoint_id}",
    summary="Change a webhook endpoint",
    description=(
        "Change its `url`, `event_types` or `description`; `enabled: true` turns an endpoint "
        "the platform disabled after repeated failures back on (and `false` pauses it). Fields "
        "left out stay as they are. Needs `cases:write`."
    ),
    responses={**COMMON, **NOT_FOUND, 422: INVALID_URL},
)
async def change_webhook(
    endpoint_id: EndpointId,
    change: WebhookEndpointChange,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> WebhookEndpoint:
    _managing(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.change_webhook(caller, _known(endpoint_id), change)


@router.delete(
    "/webhooks/{endpoint_id}",
    status_code=204,
    summary="Delete a webhook endpoint",
    description="Nothing more is posted to it, and its delivery log goes with it. Needs "
    "`cases:write`.",
    responses={**COMMON, **NOT_FOUND},
)
async def delete_webhook(
    endpoint_id: EndpointId, upstreams: UpstreamsDep, caller: CallerDep
) -> Response:
    _managing(caller)
    await upstreams.notifications.delete_webhook(caller, _known(endpoint_id))
    return Response(status_code=204, headers=NO_STORE)


@router.post(
    "/webhooks/{endpoint_id}/secret",
    summary="Rotate a webhook endpoint's secret",
    description=(
        "A new secret, shown only in this answer. Until `previous_secret_valid_until` every "
        "delivery is signed with both secrets (two `v1,…` entries in `webhook-signature`), so "
        "the receiver can switch without losing any. Needs `cases:write`."
    ),
    responses={**COMMON, **NOT_FOUND},
)
async def rotate_webhook_secret(
    endpoint_id: EndpointId, upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> WebhookSecret:
    _managing(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.rotate_webhook_secret(caller, _known(endpoint_id))


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    summary="A webhook endpoint's delivery log",
    description=(
        "What was owed to the endpoint, newest first, a page at a time (pass `next_cursor` as "
        "`cursor`): each delivery's id (its `webhook-id`), event type, case reference, status, "
        "number of attempts, next attempt, and every attempt with the status code the receiver "
        "answered or why there was none. Needs `cases:read`."
    ),
    responses={**COMMON, **NOT_FOUND, 422: problem_answer("A cursor this log never handed out")},
)
async def webhook_deliveries(
    endpoint_id: EndpointId,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=100, description="Deliveries per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the page before")
    ] = None,
) -> WebhookDeliveryPage:
    _reading(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.webhook_deliveries(
        caller, _known(endpoint_id), limit=limit, cursor=cursor
    )


@router.post(
    "/webhooks/{endpoint_id}/replay",
    status_code=202,
    summary="Send deliveries again",
    description=(
        '`{"delivery_id": …}` sends one delivery again; `{"since": …, "until": …}` every '
        "delivery made in that time range that was delivered or failed. Each goes out with its "
        "original `webhook-id`, so a receiver that already has it can drop it. The answer says "
        "how many will go out. Needs `cases:write`."
    ),
    responses={
        **COMMON,
        404: problem_answer("No endpoint, or no such delivery, for this client"),
        409: problem_answer("The endpoint is disabled; turn it back on first"),
        422: problem_answer("Neither a delivery id nor a time range, or both"),
    },
)
async def replay_webhook(
    endpoint_id: EndpointId,
    replay: WebhookReplay,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> WebhookReplayed:
    _managing(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.replay_webhook(caller, _known(endpoint_id), replay)
