"""An NGO's applications for accreditation with their evidence, and the accreditations each
side reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from gateway.api.accreditations.shared import (
    ATTACHMENT_NOT_FOUND,
    FORBIDDEN_READ,
    LIFECYCLE,
    NO_ACCREDITATION,
    NO_ATTACHMENT,
    NO_INSTITUTION,
    UNAUTHENTICATED,
    UNAVAILABLE,
    AccreditationId,
    changed,
    problem,
    require_reader,
)
from gateway.api.answers import FILE_ANSWER, NO_STORE, file_download, problem_answer
from gateway.edge.authentication import CallerDep, require_kind, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.accreditations import (
    AccreditationApplication,
    AccreditationView,
)
from nowrongdoor.contracts.attachments import ATTACHMENT_ID_PATTERN
from nowrongdoor.problems import FieldProblem, ProblemError

router = APIRouter(prefix="/v1", tags=["accreditations"])

AttachmentId = Annotated[
    str,
    Path(
        pattern=ATTACHMENT_ID_PATTERN,
        examples=["a-5f0c2e9b7d1a4c33"],
        description="The file's id, as the accreditation lists it beside the answer it backs",
    ),
]

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
        "institutions.\n\n"
        "Each answer may carry its evidence (statutes, accounts, a registration certificate) in "
        "`attachments`, each file base64-encoded as with a case's messages. Accepted: JPEG, "
        "PNG, PDF and plain UTF-8 text, 10 MiB each and 5 per answer unless the operator set "
        "other limits. The type is read from the content; the name sent is not kept (the file "
        "is listed beside its answer as `anti-corruption-purpose-1.pdf`); metadata is removed "
        "(EXIF and GPS from images, document properties and XMP from PDFs). Files are kept "
        "sealed, as a case's attachments are, and read back at "
        "`GET /v1/accreditations/{accreditation_id}/attachments/{attachment_id}` by the NGO and "
        "the institution only. A refused file refuses the whole application with 422, and "
        "`errors` names it (`answers.1.attachments.0`); nothing is kept.\n\n" + LIFECYCLE
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
        413: problem_answer("The whole request is larger than the gateway takes"),
        422: problem_answer(
            "An answer to no criterion, a criterion answered twice or not at all; a file that is "
            "too large, not an accepted type (or named as another), not base64, or one too many "
            "for its answer. Nothing was kept",
            problem(
                422,
                "validation-error",
                "Invalid request",
                "1 problem; nothing was changed.",
                errors=[
                    FieldProblem(
                        field="answers.1.attachments.0",
                        message="The file is named as a PDF document, but its content is plain "
                        "text.",
                    )
                ],
            ),
        ),
        503: UNAVAILABLE
        | {
            "description": "Routing or its file store is not answering; nothing was kept. Try "
            "again after `Retry-After` seconds"
        },
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


@router.get(
    "/accreditations/{accreditation_id}/attachments/{attachment_id}",
    summary="Download a file an NGO sent as evidence with its application",
    description=(
        "The file, for the NGO that applied (its client with `accreditations:read`) and the "
        "institution it applied to (likewise); each accreditation lists its files beside the "
        "answers they back. To every other client — another NGO, another institution — a file "
        "answers exactly like one that does not exist, as does an accreditation it may not see."
    ),
    response_class=Response,
    responses={
        200: FILE_ANSWER,
        401: UNAUTHENTICATED,
        403: FORBIDDEN_READ,
        404: NO_ATTACHMENT,
        422: problem_answer("A malformed accreditation or attachment id"),
        503: UNAVAILABLE,
    },
)
async def get_attachment(
    accreditation_id: AccreditationId,
    attachment_id: AttachmentId,
    upstreams: UpstreamsDep,
    caller: CallerDep,
) -> Response:
    require_reader(caller)
    found = await upstreams.routing.accreditation_attachment(
        caller, accreditation_id, attachment_id
    )
    if found is None:
        raise ProblemError(404, ATTACHMENT_NOT_FOUND, headers=NO_STORE)
    return file_download(found)
