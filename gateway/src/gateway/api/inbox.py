"""The institution inbox and its notification contacts: what an institution was told, for those
that run no webhook receiver, and the functional mailboxes it wants emails at.

The gateway checks the client's kind and scope and forwards; notifications answers for the
caller's own institution only, and another institution's entry answers like one that does not
exist. Reading needs `cases:read`; changing the contacts `cases:write`. Never cached.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Response

from gateway.api.answers import NO_STORE, PROBLEM, problem_answer, unavailable
from gateway.edge.authentication import CallerDep, require_kind, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.inbox import (
    INBOX_PAGE_LIMIT,
    InboxAcknowledged,
    InboxAcknowledgement,
    InboxPage,
    NotificationContact,
    NotificationKind,
)
from nowrongdoor.problems import PROBLEM_BASE, Problem

router = APIRouter(prefix="/v1", tags=["inbox"])

COMMON: dict[int | str, dict[str, Any]] = {
    401: {**PROBLEM, "description": "No valid access token"},
    403: {**PROBLEM, "description": "Not an institution or NGO client, or without the scope"},
    503: unavailable("Notifications"),
}
KINDS = ", ".join(f"`{kind}`" for kind in get_args(NotificationKind))


def _reading(caller: Principal) -> None:
    require_kind(caller, "institution", "ngo")
    require_scope(caller, "cases:read")


@router.get(
    "/inbox",
    summary="What your institution was told",
    description=(
        "Every notice the platform gave the calling institution — new cases, cases awaiting "
        "its triage decision, transfers, messages, deadlines, disabled webhook endpoints — "
        "oldest first, so it works as a queue: pass `next_cursor` as `cursor` for the next "
        "page; the order never changes, so acknowledging while paging skips nothing. "
        "`unacknowledged=true` shows only what is still to be dealt with. Each entry has its "
        "`kind` (one of " + KINDS + "), the case `reference`, a `link` to the case and "
        "`details` that never hold personal data. Needs `cases:read`."
    ),
    responses={
        **COMMON,
        422: problem_answer("A parameter is invalid, or a cursor this inbox never handed out"),
    },
)
async def read_inbox(
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=INBOX_PAGE_LIMIT, description="Entries per page")] = 50,
    unacknowledged: Annotated[
        bool | None,
        Query(description="Only entries not yet acknowledged (true) or only acknowledged ones"),
    ] = None,
) -> InboxPage:
    _reading(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.inbox(
        caller, cursor=cursor, limit=limit, unacknowledged=unacknowledged
    )


@router.post(
    "/inbox/acknowledgements",
    summary="Acknowledge inbox entries",
    description=(
        "Marks entries as dealt with: by `ids`, or every entry up to and including `up_to`. "
        "All or nothing: if one id is not an entry of the calling institution's inbox, nothing "
        "is acknowledged and the answer is 404. Acknowledging again changes nothing; the answer "
        "counts the entries acknowledged now. Needs `cases:read`."
    ),
    responses={
        **COMMON,
        404: problem_answer(
            "An id is not an entry of the calling institution's inbox; nothing was acknowledged",
            Problem(
                type=PROBLEM_BASE + "not-found",
                title="Not found",
                status=404,
                detail="No inbox entry with this id for your institution.",
            ),
        ),
        422: problem_answer("Neither `ids` nor `up_to`, or both"),
    },
)
async def acknowledge(
    acknowledgement: InboxAcknowledgement,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> InboxAcknowledged:
    _reading(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.acknowledge(caller, acknowledgement)


@router.get(
    "/notification-contacts",
    summary="Where your institution is emailed",
    description=(
        "The functional mailboxes (and phones) of the calling institution at which the platform "
        "tells it of its cases, each with its language and the kinds of notice it wants (empty: "
        "all). Needs `cases:read`."
    ),
    responses=COMMON,
)
async def list_contacts(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> list[NotificationContact]:
    _reading(caller)
    response.headers.update(NO_STORE)
    return await upstreams.notifications.notification_contacts(caller)


@router.put(
    "/notification-contacts",
    summary="Set where your institution is emailed",
    description=(
        "Replaces the whole list: each contact is a functional address (`plaintes@…`), not a "
        "person's, with an `email` or a `phone` or both, a `language` among `ar`, `fr`, `en`, "
        "`nl`, `de`, and the `kinds` it wants among " + KINDS + " (empty: all). At most 20. "
        "An empty list stops the emails; the inbox stays. Needs `cases:write`."
    ),
    responses={**COMMON, 422: problem_answer("A contact is invalid; nothing was changed")},
)
async def replace_contacts(
    contacts: list[NotificationContact],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> list[NotificationContact]:
    require_kind(caller, "institution", "ngo")
    require_scope(caller, "cases:write")
    response.headers.update(NO_STORE)
    return await upstreams.notifications.replace_notification_contacts(caller, contacts)
