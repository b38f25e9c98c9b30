"""An NGO's applications for accreditation, and the accreditations each side reads."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gateway.api.accreditations.shared import (
    FORBIDDEN_READ,
    LIFECYCLE,
    NO_ACCREDITATION,
    NO_INSTITUTION,
    UNAUTHENTICATED,
    UNAVAILABLE,
    AccreditationId,
    changed,
    problem,
    require_reader,
)
from gateway.api.answers import NO_STORE, problem_answer
from gateway.edge.authentication import CallerDep, require_kind, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.accreditations import (
    AccreditationApplication,
    AccreditationView,
)
from nowrongdoor.problems import FieldProblem

router = APIRouter(prefix="/v1", tags=["accreditations"])

# --- Applications and accreditations ------------------------------------------------------------


@router.post(
    "/accreditations",
    status_code=201,
    summary="Apply for accreditation with an institution",
    description=(
        "An NGO's client with `accreditations:write` applies to one institution for "
        "accreditation, answering each criterion the institution publishes once, and nothing "
        "else. The NGO is the client's own organisation. One application per NGO and "
        "institution awaits a decision at a time; an NGO may hold accreditations with several "
        "institutions. Evidence attached to an application (statutes, accounts) is not taken "
        "yet: it will use the same storage and sealing as a case's attachments.\n\n" + LIFECYCLE
    ),
    responses={
        201: {"description": "Applied; the institution decides"},
        401: UNAUTHENTICATED,
        403: problem_answer(
            "Not an NGO's client, or no `accreditations:write` scope",
            problem(403, "wrong-client-kind", "Wrong client kind", "This is for ngo clients."),
        ),
        404: NO_INSTITUTION,
        409: problem_answer(
            "An application to this institution already awaits its decision "
            "(`application-pending`), or the institution publishes no criteria "
            "(`no-accreditation-criteria`)",
            problem(
                409,
                "application-pending",
                "Application pending",
                "Your application acc-3f2a9c1d7e4b4a0c9d8e7f6a5b4c3d2e to this institution "
                "awaits its decision; apply again once it is decided.",
            ),
        ),
        422: problem_answer(
            "An answer to no criterion, a criterion answered twice or not at all",
            problem(
                422,
                "validation-error",
                "Invalid request",
                "1 problem; nothing was changed.",
                errors=[
                    FieldProblem(
                        field="answers", message="criterion 'independence' is not answered"
                    )
                ],
            ),
        ),
        503: UNAVAILABLE,
    },
)
async def apply(
    application: AccreditationApplication,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    require_kind(caller, "ngo")
    require_scope(caller, "accreditations:write")
    return changed(response, await upstreams.routing.apply_for_accreditation(caller, application))


@router.get(
    "/accreditations",
    summary="Your accreditations",
    description=(
        "An NGO's client reads its own applications and accreditations; an institution's "
        "client those its institution grants or is asked to grant. Nobody else's: another "
        "NGO's applications are never listed. Oldest application first, each with its "
        "history. Needs `accreditations:read`.\n\n" + LIFECYCLE
    ),
    responses={
        200: {"description": "The caller's accreditations"},
        401: UNAUTHENTICATED,
        403: FORBIDDEN_READ,
        503: UNAVAILABLE,
    },
)
async def list_accreditations(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> list[AccreditationView]:
    require_reader(caller)
    listed = await upstreams.routing.accreditations(caller)
    response.headers.update(NO_STORE)
    return listed


@router.get(
    "/accreditations/{accreditation_id}",
    summary="One accreditation and its history",
    description=(
        "To the NGO that applied and the institution it applied to, both reading the same "
        "history; to every other client it does not exist. Needs `accreditations:read`."
    ),
    responses={
        401: UNAUTHENTICATED,
        403: FORBIDDEN_READ,
        404: NO_ACCREDITATION,
        422: problem_answer("A malformed accreditation id"),
        503: UNAVAILABLE,
    },
)
async def get_accreditation(
    accreditation_id: AccreditationId,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    require_reader(caller)
    view = await upstreams.routing.accreditation(caller, accreditation_id)
    response.headers.update(NO_STORE)
    return view
