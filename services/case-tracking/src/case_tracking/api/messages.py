"""Messages in a case: the complainant and the institutions taking part write them here, and
read the files sent with them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from case_tracking.api.dependencies import (
    NOT_FOUND,
    NOT_FOUND_ANSWER,
    NowDep,
    Reference,
    SealerDep,
    answer,
    refusals,
)
from case_tracking.service import attachments, messages
from case_tracking.service.attachments import AttachmentMissing, AttachmentRefused
from nowrongdoor.attachments import FILE_ANSWER, file_response, store_not_answering
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.attachments import ATTACHMENT_ID_PATTERN
from nowrongdoor.contracts.cases import Message, MessageDraft
from nowrongdoor.files import accepted_types
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep
from nowrongdoor.storage import BlobStore, StorageError

router = APIRouter(
    prefix="/internal", tags=["messages"], dependencies=[Depends(internal_principal)]
)

AttachmentId = Annotated[str, Path(pattern=ATTACHMENT_ID_PATTERN)]

_SLUGS = {
    "too-large": (413, "attachment-too-large", "Attachment too large"),
    "unsupported": (415, "unsupported-attachment", "Unsupported attachment"),
    "too-many": (422, "validation-error", "Invalid request"),
}


async def _store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.store
    return store


StoreDep = Annotated[BlobStore, Depends(_store)]


@contextmanager
def attachment_refusals() -> Iterator[None]:
    """A refused file as its problem, naming the field; a store that fails as 503."""
    try:
        yield
    except AttachmentRefused as refused:
        code, slug, title = _SLUGS[refused.reason]
        raise ProblemError(
            code,
            refused.message,
            slug=slug,
            title=title,
            errors=[FieldProblem(field=refused.field, message=refused.message)],
        ) from None
    except StorageError as error:
        raise store_not_answering() from error


@router.post(
    "/cases/{reference}/messages",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: NOT_FOUND_ANSWER,
        409: answer("`case-finished`: the case is closed or withdrawn"),
        413: answer("`attachment-too-large`: a file is over the limit; `errors` names which"),
        415: answer(
            f"`unsupported-attachment`: a file's content is not one accepted ({accepted_types()}), "
            "or its name claims another type; `errors` names which"
        ),
        422: answer("An audience this writer may not write to, or too many files"),
        503: answer("The attachment store is not answering; nothing was kept"),
    },
)
async def post_message(
    request: Request,
    runtime: RuntimeDep,
    sealer: SealerDep,
    store: StoreDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    draft: MessageDraft,
) -> Message:
    """The complainant (receipt verified) writes to the institutions; an institution with a
    part writes to the complainant, to the other institutions, or an internal note. Files come
    base64-encoded in `attachments`; each is kept with its metadata removed, or none is."""
    with refusals(), attachment_refusals():
        return await messages.post_message(
            runtime,
            sealer,
            caller,
            reference,
            draft,
            now=now,
            store=store,
            rules=request.app.state.attachment_rules,
        )


@router.get(
    "/cases/{reference}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: FILE_ANSWER, 404: NOT_FOUND_ANSWER, 503: answer("The store is not answering")},
)
async def get_attachment(
    runtime: RuntimeDep,
    sealer: SealerDep,
    store: StoreDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    attachment_id: AttachmentId,
) -> Response:
    """A file for whoever may read its message; the one 404 for everybody else. A read by
    institution staff is written to the audit log."""
    with attachment_refusals():
        try:
            found = await attachments.open_attachment(
                runtime, store, sealer, caller, reference, attachment_id, now=now
            )
        except AttachmentMissing:
            found = None
    if found is None:
        raise ProblemError(404, NOT_FOUND)
    return file_response(found)
