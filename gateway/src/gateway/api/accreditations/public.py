"""An institution's accreditation criteria, and the NGOs it accredits: read by anyone."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gateway.api.accreditations.shared import (
    NO_INSTITUTION,
    UNAUTHENTICATED,
    UNAVAILABLE,
    InstitutionId,
    problem,
)
from gateway.api.answers import NO_STORE, PUBLIC_BRIEFLY, problem_answer
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_kind
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.accreditations import (
    AccreditationCriteria,
    AccreditedNgo,
    CriteriaChange,
)
from nowrongdoor.problems import FieldProblem

router = APIRouter(prefix="/v1", tags=["accreditations"])

# --- An institution's criteria and the NGOs it accredits ----------------------------------------


@router.get(
    "/institutions/{institution_id}/accreditation-criteria",
    summary="What an institution asks of the NGOs it accredits",
    description=(
        "The criteria the institution publishes for accreditation, each worded in its "
        "languages; an NGO applying answers each one. Empty while the institution publishes "
        "none, and then it takes no application."
    ),
    responses={
        404: NO_INSTITUTION,
        422: problem_answer("A malformed institution id"),
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_criteria(
    institution_id: InstitutionId, upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> AccreditationCriteria:
    criteria = await upstreams.routing.accreditation_criteria(caller, institution_id)
    response.headers.update(PUBLIC_BRIEFLY)
    return criteria


@router.put(
    "/institutions/{institution_id}/accreditation-criteria",
    summary="Publish an institution's accreditation criteria",
    description=(
        "Replaces the whole list of criteria. Each criterion has its own id and a text in every "
        "language the institution works in (others may be added). Applications already made "
        "keep the answers they gave.\n\n"
        "An institution's client with `accreditations:write` publishes its own institution's "
        "criteria; to every other client the institution does not exist."
    ),
    responses={
        200: {"description": "Published"},
        401: UNAUTHENTICATED,
        403: problem_answer(
            "Not an institution's client, or no `accreditations:write` scope",
            problem(
                403,
                "insufficient-scope",
                "Insufficient scope",
                "This client lacks the `accreditations:write` scope.",
            ),
        ),
        404: NO_INSTITUTION,
        422: problem_answer(
            "A criterion repeated or without a text in one of the institution's languages",
            problem(
                422,
                "validation-error",
                "Invalid request",
                "1 problem; nothing was changed.",
                errors=[
                    FieldProblem(
                        field="criteria[0].text",
                        message="no text in fr, a language of the institution",
                    )
                ],
            ),
        ),
        503: UNAVAILABLE,
    },
)
async def publish_criteria(
    institution_id: InstitutionId,
    change: CriteriaChange,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationCriteria:
    require_kind(caller, "institution", "admin")
    published = await upstreams.routing.publish_accreditation_criteria(
        caller, institution_id, change
    )
    response.headers.update(NO_STORE)
    return published


@router.get(
    "/institutions/{institution_id}/accredited-ngos",
    summary="The NGOs an institution accredits",
    description=(
        "Each NGO the institution accredits today — granted, neither suspended, revoked nor "
        "expired — with what its accreditation covers, since when and until when, so a person "
        "can choose a trusted intermediary to bring their alert while staying anonymous to the "
        "institution."
    ),
    responses={
        200: {"description": "The accredited NGOs, by name"},
        404: NO_INSTITUTION,
        422: problem_answer("A malformed institution id"),
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def list_accredited_ngos(
    institution_id: InstitutionId, upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> list[AccreditedNgo]:
    listed = await upstreams.routing.accredited_ngos(caller, institution_id)
    response.headers.update(PUBLIC_BRIEFLY)
    return listed
