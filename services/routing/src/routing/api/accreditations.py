"""Accredited NGOs: an institution's criteria and list, applications and their evidence, the
institution's steps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Response

from nowrongdoor.attachments import (
    FILE_ANSWER,
    AttachmentMissing,
    AttachmentRefused,
    file_response,
    store_not_answering,
)
from nowrongdoor.auth import CallerDep
from nowrongdoor.contracts.accreditations import (
    ACCREDITATION_ID_PATTERN,
    AccreditationAction,
    AccreditationApplication,
    AccreditationCriteria,
    AccreditationView,
    AccreditedNgo,
    CriteriaChange,
    Grant,
    Refusal,
    Reinstatement,
    Renewal,
    Revocation,
    Suspension,
)
from nowrongdoor.contracts.attachments import ATTACHMENT_ID_PATTERN
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep
from nowrongdoor.storage import StorageError
from routing import service
from routing.api.dependencies import (
    EvidenceDep,
    InstitutionId,
    NowDep,
    StoreDep,
    database_not_answering,
)
from routing.domain import accreditation as lifecycle
from routing.service import accreditations, evidence
from routing.service.accreditation_records import Decision

router = APIRouter()

AccreditationId = Annotated[str, Path(pattern=ACCREDITATION_ID_PATTERN)]
AttachmentId = Annotated[str, Path(pattern=ATTACHMENT_ID_PATTERN)]

NO_INSTITUTION = "No institution with this id."
NO_ACCREDITATION = "No accreditation with this id."
NO_ATTACHMENT = "No attachment with this id."


@contextmanager
def refusals() -> Iterator[None]:
    """Answer each refusal of the accreditation use cases with its problem."""
    try:
        yield
    except service.UnknownInstitution:
        raise ProblemError(404, NO_INSTITUTION) from None
    except service.AccreditationNotFound:
        raise ProblemError(404, NO_ACCREDITATION) from None
    except service.NotPermitted:
        raise ProblemError(
            403,
            "Only the granting institution decides on an accreditation, and only an NGO applies.",
            slug="wrong-client-kind",
            title="Wrong client kind",
        ) from None
    except service.NoCriteria:
        raise ProblemError(
            409,
            "This institution publishes no accreditation criteria yet, so it takes no "
            "applications.",
            slug="no-accreditation-criteria",
            title="No accreditation criteria",
        ) from None
    except service.PendingApplication as pending:
        raise ProblemError(
            409,
            f"Your application {pending.accreditation_id} to this institution awaits its "
            "decision; apply again once it is decided.",
            slug="application-pending",
            title="Application pending",
        ) from None
    except lifecycle.IllegalStep as error:
        raise ProblemError(
            409,
            str(error),
            slug="illegal-transition",
            title="Illegal transition",
            errors=[FieldProblem(field="action", message=action) for action in error.allowed],
        ) from None
    except lifecycle.Rejected as rejected:
        count = len(rejected.problems)
        raise ProblemError(
            422,
            f"{count} problem{'s' if count != 1 else ''}; nothing was changed.",
            errors=[FieldProblem(field=p.field, message=p.message) for p in rejected.problems],
        ) from None
    except AttachmentRefused as refused:
        raise ProblemError(
            422,
            "1 problem; nothing was changed.",
            errors=[FieldProblem(field=refused.field, message=refused.message)],
        ) from None
    except StorageError as error:
        raise store_not_answering() from error
    except service.RegistryBusy:
        raise ProblemError(
            503,
            "The accreditation is being changed by others; nothing was changed. Try again.",
            headers={"Retry-After": "1"},
        ) from None
    except service.DatabaseUnavailable:
        raise database_not_answering() from None


# --- An institution's criteria and the NGOs it accredits ----------------------------------------


@router.get("/institutions/{institution_id}/accreditation-criteria")
async def get_criteria(
    runtime: RuntimeDep, store: StoreDep, institution_id: InstitutionId
) -> AccreditationCriteria:
    with refusals():
        return await accreditations.criteria(runtime.sessions, store, institution_id)


@router.put("/institutions/{institution_id}/accreditation-criteria")
async def publish_criteria(
    change: CriteriaChange,
    institution_id: InstitutionId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationCriteria:
    with refusals():
        return await accreditations.publish_criteria(
            runtime.sessions, store, caller, institution_id, change, now=now
        )


@router.get("/institutions/{institution_id}/accredited-ngos")
async def list_accredited_ngos(
    runtime: RuntimeDep, store: StoreDep, institution_id: InstitutionId, now: NowDep
) -> list[AccreditedNgo]:
    with refusals():
        return await accreditations.accredited_ngos(
            runtime.sessions, store, institution_id, now=now
        )


# --- Applications and accreditations ------------------------------------------------------------


@router.post("/accreditations", status_code=201)
async def apply(
    application: AccreditationApplication,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    files: EvidenceDep,
    now: NowDep,
) -> AccreditationView:
    """Files come base64-encoded in each answer's `attachments`; each is kept with its metadata
    removed, or the application is not kept at all (422 naming the file)."""
    with refusals():
        return await accreditations.apply(
            runtime.sessions, store, caller, application, now=now, files=files
        )


@router.get("/accreditations")
async def list_accreditations(
    caller: CallerDep, runtime: RuntimeDep, now: NowDep
) -> list[AccreditationView]:
    with refusals():
        return await accreditations.accreditations_for(runtime.sessions, caller, now=now)


@router.get("/accreditations/{accreditation_id}")
async def get_accreditation(
    accreditation_id: AccreditationId, caller: CallerDep, runtime: RuntimeDep, now: NowDep
) -> AccreditationView:
    with refusals():
        return await accreditations.accreditation(
            runtime.sessions, caller, accreditation_id, now=now
        )


@router.get(
    "/accreditations/{accreditation_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: FILE_ANSWER},
)
async def get_attachment(
    accreditation_id: AccreditationId,
    attachment_id: AttachmentId,
    caller: CallerDep,
    runtime: RuntimeDep,
    files: EvidenceDep,
) -> Response:
    """A file sent with an application, for the NGO that applied and the institution it applied
    to; the one 404 for everybody else, and for no such file."""
    with refusals():
        try:
            found = await evidence.open_evidence(
                runtime.sessions, files.store, files.sealer, caller, accreditation_id, attachment_id
            )
        except AttachmentMissing:
            found = None
    if found is None:
        raise ProblemError(404, NO_ATTACHMENT)
    return file_response(found)


async def _decide(
    runtime: RuntimeDep,
    store: StoreDep,
    caller: CallerDep,
    accreditation_id: str,
    action: AccreditationAction,
    decision: Decision,
    now: NowDep,
) -> AccreditationView:
    with refusals():
        return await accreditations.decide(
            runtime.sessions, store, caller, accreditation_id, action, decision, now=now
        )


@router.post("/accreditations/{accreditation_id}/grant")
async def grant(
    decision: Grant,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationView:
    return await _decide(runtime, store, caller, accreditation_id, "grant", decision, now)


@router.post("/accreditations/{accreditation_id}/refuse")
async def refuse(
    decision: Refusal,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationView:
    return await _decide(runtime, store, caller, accreditation_id, "refuse", decision, now)


@router.post("/accreditations/{accreditation_id}/suspend")
async def suspend(
    decision: Suspension,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationView:
    return await _decide(runtime, store, caller, accreditation_id, "suspend", decision, now)


@router.post("/accreditations/{accreditation_id}/reinstate")
async def reinstate(
    decision: Reinstatement,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationView:
    return await _decide(runtime, store, caller, accreditation_id, "reinstate", decision, now)


@router.post("/accreditations/{accreditation_id}/renew")
async def renew(
    decision: Renewal,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationView:
    return await _decide(runtime, store, caller, accreditation_id, "renew", decision, now)


@router.post("/accreditations/{accreditation_id}/revoke")
async def revoke(
    decision: Revocation,
    accreditation_id: AccreditationId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    now: NowDep,
) -> AccreditationView:
    return await _decide(runtime, store, caller, accreditation_id, "revoke", decision, now)
