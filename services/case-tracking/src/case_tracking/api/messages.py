"""Messages in a case: the complainant and the institutions taking part write them here."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from case_tracking.api.dependencies import (
    NOT_FOUND_ANSWER,
    NowDep,
    Reference,
    SealerDep,
    answer,
    refusals,
)
from case_tracking.service import messages
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.cases import Message, MessageDraft
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(
    prefix="/internal", tags=["messages"], dependencies=[Depends(internal_principal)]
)


@router.post(
    "/cases/{reference}/messages",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: NOT_FOUND_ANSWER,
        409: answer("`case-finished`: the case is closed or withdrawn"),
        422: answer("An audience this writer may not write to"),
    },
)
async def post_message(
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    draft: MessageDraft,
) -> Message:
    """The complainant (receipt verified) writes to the institutions; an institution with a
    part writes to the complainant, to the other institutions, or an internal note."""
    with refusals():
        return await messages.post_message(runtime, sealer, caller, reference, draft, now=now)
