"""Opening a case with its reference and receipt, and showing it: the page, its files, and its
live status."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse

from gateway.api.cases.messages import ATTACHMENT_ID_PATTERN
from gateway.api.cases.shared import as_complainant
from gateway.edge.receipt_guard import ReceiptGuardDep
from gateway.pages.case_words import status_words
from gateway.pages.forms import read_form
from gateway.pages.rendering import N_, check_form
from gateway.pages.sessions import tracking_sessions
from gateway.pages.site import LanguagePath
from gateway.pages.track.visit import (
    CaseVisit,
    back_to_case,
    form_page,
    normalised_receipt,
    normalised_reference,
    version,
)
from gateway.pages.track.writing import send_reply
from gateway.upstreams import UpstreamsDep
from nowrongdoor.ids import is_reference
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
AttachmentPath = Annotated[str, Path(pattern=ATTACHMENT_ID_PATTERN)]
LIVE_INTERVAL_SECONDS: Final = 5.0
LIVE_FOR_SECONDS: Final = 15 * 60
LEFT: Final = N_("You have left your case. To read it again, give your reference and receipt.")
NO_MATCH: Final = N_("No case matches this reference and receipt. Check both and try again.")


@router.get("/{language:lang}/track")
async def track(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    """The case when a session is open; the reference and receipt form otherwise."""
    visit = await CaseVisit.of(request, language, upstreams)
    if isinstance(visit, CaseVisit):
        return await visit.page()
    reference = normalised_reference(request.query_params.get("reference"))
    left = request.query_params.get("done") == "left"
    return form_page(
        request,
        language,
        reference=reference if is_reference(reference) else "",
        done=LEFT if left else None,
    )


@router.post("/{language:lang}/track")
async def open_case(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, guard: ReceiptGuardDep
) -> Response:
    """Check the receipt once, under the guard, and open a session for that one case."""
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    reference = normalised_reference(form.get("reference"))
    receipt = normalised_receipt(form.get("receipt"))
    pending = form.text("pending")[:10_000] or None
    try:
        complainant = await as_complainant(reference, receipt, guard, upstreams.intake)
    except ProblemError as error:
        if error.status != 404:
            raise
        typed = form.text("reference")[:40]
        return form_page(
            request, language, reference=typed, status=404, pending=pending, error=NO_MATCH
        )
    visit = CaseVisit(request, language, complainant, upstreams)
    response = await send_reply(visit, pending, []) if pending else back_to_case(language)
    await tracking_sessions(request).open(request, response, visit.reference)
    return response


@router.get("/{language:lang}/track/attachments/{attachment_id}")
async def attachment(
    language: LanguagePath, attachment_id: AttachmentPath, request: Request, upstreams: UpstreamsDep
) -> Response:
    """A file of the case, downloaded under its neutral name."""
    visit = await CaseVisit.of(request, language, upstreams)
    if not isinstance(visit, CaseVisit):
        return visit
    opened = await upstreams.cases.attachment(visit.complainant, visit.reference, attachment_id)
    if opened is None:
        raise ProblemError(404, "No such file in this case.")
    return Response(
        opened.content,
        media_type=opened.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{opened.name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/{language:lang}/track/events")
async def live(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    """Server-sent events: the case's status and version, whenever they change."""
    visit = await CaseVisit.of(request, language, upstreams)

    async def events() -> AsyncIterator[str]:
        if not isinstance(visit, CaseVisit):
            yield "event: end\ndata: {}\n\n"
            return
        last = None
        loop = asyncio.get_running_loop()
        until = loop.time() + LIVE_FOR_SECONDS
        while loop.time() < until and not await request.is_disconnected():
            case = await visit.case()
            if case is not None:
                seen = {
                    "version": version(case),
                    "status_words": status_words(language, case.status),
                }
                if seen != last:
                    yield f"event: case\ndata: {json.dumps(seen, ensure_ascii=False)}\n\n"
                    last = seen
            await asyncio.sleep(LIVE_INTERVAL_SECONDS)
        yield "event: end\ndata: {}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
