"""The complainant's personal data from the case page: download it, or erase it.

The same calls inward as the API's `/v1/cases/{reference}/personal-data`: intake checks the
receipt, opens or erases the data and audits it, under the receipt guard. The receipt is asked
again, as the session alone opens the case but not what identifies the person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.edge.receipt_guard import ReceiptGuardDep
from gateway.pages.forms import Form, read_form
from gateway.pages.rendering import N_, check_form
from gateway.pages.site import LanguagePath
from gateway.pages.track.visit import CaseVisit, back_to_case, normalised_receipt
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.intake import PersonalData, ReceiptCheck
from nowrongdoor.ids import is_receipt
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
NO_RECEIPT = N_("Give your receipt: 16 digits.")
WRONG_RECEIPT = N_("This receipt is not the one of this case.")
UNTICKED = N_("Tick the box to confirm that you erase your personal data.")


async def _opened(
    visit: CaseVisit,
    receipt: str,
    guard: ReceiptGuardDep,
    open_it: Callable[[ReceiptCheck], Awaitable[PersonalData | None]],
) -> PersonalData | None:
    """The data `open_it` answers for this case and receipt; None for a wrong receipt, which
    the guard counts as any other."""
    check = ReceiptCheck(reference=visit.reference, receipt=receipt)
    try:
        return await guard.guarded(visit.reference, lambda: open_it(check))
    except ProblemError as error:
        if error.status != 404:
            raise
        return None


async def _asked(
    request: Request, language: str, upstreams: UpstreamsDep
) -> tuple[Form, CaseVisit, str] | Response:
    """The form sent from the case page, its visit and the receipt typed; the page to show
    instead when the form is refused or no case is open in this browser."""
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    visit = await CaseVisit.of(request, language, upstreams)
    if not isinstance(visit, CaseVisit):
        return visit
    return form, visit, normalised_receipt(form.get("receipt"))


@router.post("/{language:lang}/track/personal-data")
async def download(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, guard: ReceiptGuardDep
) -> Response:
    """Everything held about the complaint, as the API exports it, downloaded as a JSON file."""
    asked = await _asked(request, language, upstreams)
    if isinstance(asked, Response):
        return asked
    _, visit, receipt = asked
    if not is_receipt(receipt):
        return await visit.refused(422, "export_receipt", NO_RECEIPT)
    intake, public = upstreams.intake, Principal.public()
    data = await _opened(
        visit, receipt, guard, lambda check: intake.export_personal_data(public, check)
    )
    if data is None:
        return await visit.refused(422, "export_receipt", WRONG_RECEIPT)
    return Response(
        data.model_dump_json(indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{visit.reference}-personal-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/{language:lang}/track/personal-data/erase")
async def erase(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, guard: ReceiptGuardDep
) -> Response:
    """Erase the personal data once the box is ticked; the case itself goes on."""
    asked = await _asked(request, language, upstreams)
    if isinstance(asked, Response):
        return asked
    form, visit, receipt = asked
    if form.get("confirm") != "yes":
        return await visit.refused(422, "erase_confirm", UNTICKED)
    if not is_receipt(receipt):
        return await visit.refused(422, "erase_receipt", NO_RECEIPT)
    intake, public = upstreams.intake, Principal.public()
    erased = await _opened(
        visit, receipt, guard, lambda check: intake.erase_personal_data(public, check)
    )
    if erased is None:
        return await visit.refused(422, "erase_receipt", WRONG_RECEIPT)
    return back_to_case(language, "erased", "#personal-data")
