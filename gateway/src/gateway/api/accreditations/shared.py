"""What the accreditation routes share: their parameters, their documented answers, who may read
and who may decide."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from gateway.api.answers import NO_STORE, problem_answer
from gateway.edge.authentication import require_kind, require_scope
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import (
    ACCREDITATION_ID_PATTERN,
    AccreditationView,
)
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN
from nowrongdoor.problems import PROBLEM_BASE, FieldProblem, Problem

InstitutionId = Annotated[
    str, Path(pattern=INSTITUTION_ID_PATTERN, examples=["fr-hatvp"], description="Its id")
]
AccreditationId = Annotated[
    str,
    Path(
        pattern=ACCREDITATION_ID_PATTERN,
        examples=["acc-3f2a9c1d7e4b4a0c9d8e7f6a5b4c3d2e"],
        description="The accreditation's id, as its application answered",
    ),
]


def problem(status: int, slug: str, title: str, detail: str, **more: Any) -> Problem:
    return Problem(type=PROBLEM_BASE + slug, title=title, status=status, detail=detail, **more)


UNAUTHENTICATED = problem_answer(
    "No valid access token",
    problem(401, "unauthenticated", "Authentication required", "Send an access token."),
)
FORBIDDEN_READ = problem_answer(
    "Not an NGO's or an institution's client, or no `accreditations:read` scope",
    problem(
        403,
        "insufficient-scope",
        "Insufficient scope",
        "This client lacks the `accreditations:read` scope.",
    ),
)
FORBIDDEN_DECIDE = problem_answer(
    "Not the granting institution's client (an NGO never decides on its own accreditation), or "
    "no `accreditations:write` scope",
    problem(403, "wrong-client-kind", "Wrong client kind", "This is for institution clients."),
)
NO_INSTITUTION = problem_answer(
    "No institution with this id",
    problem(404, "not-found", "Not found", "No institution with this id."),
)
NO_ACCREDITATION = problem_answer(
    "No accreditation with this id that this client may see: another NGO's application and "
    "another institution's accreditation give this same answer",
    problem(404, "not-found", "Not found", "No accreditation with this id."),
)
ATTACHMENT_NOT_FOUND = "No attachment with this id."
NO_ATTACHMENT = problem_answer(
    "No file with this id that this client may read: another NGO's evidence, another "
    "institution's, and an unknown accreditation or file all give this same answer",
    problem(404, "not-found", "Not found", ATTACHMENT_NOT_FOUND),
)
ILLEGAL_TRANSITION = problem_answer(
    "The accreditation may not take this step from where it stands; `errors` names each step "
    "it may take",
    problem(
        409,
        "illegal-transition",
        "Illegal transition",
        "An accreditation that is suspended cannot be renewed. "
        "Allowed next steps: reinstate, revoke.",
        errors=[FieldProblem(field="action", message=step) for step in ("reinstate", "revoke")],
    ),
)
INVALID = problem_answer(
    "Something sent cannot be used; each problem is named and nothing was changed",
    problem(
        422,
        "validation-error",
        "Invalid request",
        "1 problem; nothing was changed.",
        errors=[FieldProblem(field="scope.territories", message="unknown territory 'FR-XYZ'")],
    ),
)
UNAVAILABLE = problem_answer(
    "Routing is not answering; nothing was changed. Try again after `Retry-After` seconds",
    problem(
        503,
        "unavailable",
        "Service unavailable",
        "The routing service is not answering right now; nothing was changed. "
        "Please try again shortly.",
    ),
)

LIFECYCLE = (
    "An accreditation is `applied` until the institution grants or refuses it. A `granted` one "
    "may be suspended (then reinstated), renewed with a new expiry, or revoked; a `suspended` "
    "one reinstated or revoked. A granted accreditation reads `expired` from the day after its "
    "`expires_on`, and renewing it brings it back. Refused and revoked are final. A step not "
    "allowed from where it stands is 409 naming the allowed ones (each accreditation's "
    "`allowed` lists them too). Every step is kept in its `history` — who, when, what, why — "
    "which the NGO and the institution both read, and announced as an event."
)
DECIDING = (
    "\n\nFor the granting institution's client with `accreditations:write`; to every other "
    "client the accreditation does not exist, and the NGO that holds it gets 403."
)


def changed(response: Response, view: AccreditationView) -> AccreditationView:
    response.headers.update(NO_STORE)
    return view


def require_reader(caller: Principal) -> None:
    require_kind(caller, "ngo", "institution", "admin")
    if caller.kind != "admin":
        require_scope(caller, "accreditations:read")


def require_decider(caller: Principal) -> None:
    require_kind(caller, "institution", "admin")
    if caller.kind != "admin":
        require_scope(caller, "accreditations:write")
