"""Joint cases: ask another institution to take part, answer such a request, leave a case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Depends, Response

from case_tracking.api.dependencies import (
    CHANGE_ANSWERS,
    NowDep,
    Reference,
    SealerDep,
    VersionDep,
    answer,
    refusals,
    tag,
)
from case_tracking.domain.joining import AlreadyInvited, CannotLeave, LastPart, PartEnded
from case_tracking.service import joining
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.cases import CaseView, Invitation, InvitationAnswer, Leaving
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["cases"], dependencies=[Depends(internal_principal)])


@contextmanager
def joining_refusals() -> Iterator[None]:
    """Every refusal a change of a case gets, and those of joining and leaving one."""
    try:
        with refusals():
            yield
    except AlreadyInvited as error:
        raise ProblemError(409, str(error), slug="already-invited") from error
    except PartEnded as error:
        raise ProblemError(409, str(error), slug="part-ended") from error
    except CannotLeave as error:
        raise ProblemError(409, str(error), slug="cannot-leave") from error
    except LastPart as error:
        raise ProblemError(
            409,
            str(error),
            slug="last-part",
            errors=[FieldProblem(field="transfer", message="Transfer the case instead")],
        ) from error


@router.post(
    "/cases/{reference}/invitations",
    responses={
        **CHANGE_ANSWERS,
        409: answer(
            "The caller's part has ended (`part-ended`), the case is finished (`case-finished`), "
            "or the institution named takes part already (`already-taking-part`) or has been "
            "asked already (`already-invited`)"
        ),
    },
)
async def invite(
    response: Response,
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    invitation: Invitation,
    version: VersionDep,
) -> CaseView:
    """An institution taking part asks another to take part too, naming the version it read."""
    with joining_refusals():
        view, new_version = await joining.invite(
            runtime, sealer, caller, reference, invitation, version=version, now=now
        )
    tag(response, new_version)
    return view


@router.post(
    "/cases/{reference}/invitation-answer",
    responses={
        **CHANGE_ANSWERS,
        404: answer("No such case, or no open invitation to it for this caller"),
        409: answer(
            "The case is finished (`case-finished`), or the institution takes part already "
            "(`already-taking-part`)"
        ),
        422: answer("A decline without a reason"),
    },
)
async def answer_invitation(
    response: Response,
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    given: InvitationAnswer,
    version: VersionDep,
) -> CaseView:
    """The institution asked accepts, and its part opens; or declines, and the case is no longer
    there for it."""
    with joining_refusals():
        view, new_version = await joining.answer(
            runtime, sealer, caller, reference, given, version=version, now=now
        )
    tag(response, new_version)
    return view


@router.post(
    "/cases/{reference}/leave",
    responses={
        **CHANGE_ANSWERS,
        409: answer(
            "The part has decided or ended (`cannot-leave`), or no other institution takes "
            "part (`last-part`: transfer instead)"
        ),
    },
)
async def leave(
    response: Response,
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    leaving: Leaving,
    version: VersionDep,
) -> CaseView:
    """An institution not competent after all leaves a case the others carry on."""
    with joining_refusals():
        view, new_version = await joining.leave(
            runtime, sealer, caller, reference, leaving, version=version, now=now
        )
    tag(response, new_version)
    return view
