"""Whether the accreditation an NGO's alert names carries it; the gateway asks before intake
stores anything."""

from __future__ import annotations

from fastapi import APIRouter

from nowrongdoor.auth import CallerDep
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.routing import Reliance
from nowrongdoor.contracts.vocabulary import AccreditationStatus
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep
from routing.api.accreditations import AccreditationId, refusals
from routing.api.dependencies import NowDep, StoreDep
from routing.domain import reliance as rules
from routing.service import reliance

router = APIRouter()

S = AccreditationStatus
NOT_IN_FORCE = {
    S.APPLIED: ("accreditation-not-granted", "Accreditation not granted"),
    S.REFUSED: ("accreditation-refused", "Accreditation refused"),
    S.SUSPENDED: ("accreditation-suspended", "Accreditation suspended"),
    S.REVOKED: ("accreditation-revoked", "Accreditation revoked"),
    S.EXPIRED: ("accreditation-expired", "Accreditation expired"),
}


@router.post("/accreditations/{accreditation_id}/reliance")
async def rely_on(
    reliance_asked: Reliance,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> RelayingNgo:
    with refusals():
        try:
            return await reliance.rely_on(
                runtime.sessions, store, caller, accreditation_id, reliance_asked, now=now
            )
        except rules.NotInForce as error:
            slug, title = NOT_IN_FORCE[error.status]
            raise ProblemError(
                409, f"{error} Nothing was stored.", slug=slug, title=title
            ) from None
        except rules.OutOfScope as error:
            raise ProblemError(
                422,
                "The accreditation does not cover this alert; nothing was stored.",
                slug="accreditation-out-of-scope",
                title="Outside the accreditation's scope",
                errors=[FieldProblem(field=p.field, message=p.message) for p in error.problems],
            ) from None
