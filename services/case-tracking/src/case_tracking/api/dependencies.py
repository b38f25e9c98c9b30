"""What every route of case tracking shares: the sealer, the clock, entity tags, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response

from case_tracking.domain.cursor import BadCursor
from case_tracking.domain.lifecycle import IllegalStep
from case_tracking.service.errors import (
    AlreadyTakingPart,
    CaseFinished,
    CaseNotFound,
    InvalidChange,
    StaleCase,
)
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN, Language
from nowrongdoor.crypto import Sealer
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import PROBLEM_JSON, FieldProblem, Problem, ProblemError

NOT_FOUND = "No case with this reference for this caller."


async def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


async def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


async def _version(request: Request) -> int:
    """The version named by `If-Match`: 428 without one, 412 for a tag never handed out."""
    header = request.headers.get("if-match")
    if header is None or not header.strip():
        raise ProblemError(
            428,
            "Send the case's ETag as `If-Match`: read the case, then change it.",
            slug="precondition-required",
            title="Precondition required",
        )
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise stale()
    return int(tag)


SealerDep = Annotated[Sealer, Depends(_sealer)]
NowDep = Annotated[datetime, Depends(_now)]
VersionDep = Annotated[int, Depends(_version)]
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN)]
InstitutionId = Annotated[str, Query(pattern=INSTITUTION_ID_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]
ReadingLanguage = Annotated[
    Language | None,
    Query(
        description="The timeline's language; without it, the case's own for the complainant, "
        "English for everyone else",
    ),
]


def tag(response: Response, version: int) -> None:
    """Send the case's entity tag, for the next change to name in `If-Match`."""
    response.headers["ETag"] = f'"{version}"'


def stale() -> ProblemError:
    return ProblemError(
        412,
        "The case changed since it was read; read it again and retry.",
        slug="precondition-failed",
        title="Precondition failed",
    )


@contextmanager
def refusals() -> Iterator[None]:
    """Answer each refusal of the use cases with its problem."""
    try:
        yield
    except CaseNotFound as error:
        raise ProblemError(404, NOT_FOUND) from error
    except StaleCase as error:
        raise stale() from error
    except IllegalStep as error:
        allowed = ", ".join(error.allowed) or "none"
        raise ProblemError(
            409,
            f"This is {error.current}; it cannot become {error.requested}. "
            f"Allowed next steps: {allowed}.",
            slug="illegal-transition",
            title="Illegal transition",
            errors=[FieldProblem(field="status", message=status) for status in error.allowed],
        ) from error
    except InvalidChange as error:
        raise ProblemError(
            422,
            "1 field is invalid",
            errors=[FieldProblem(field=error.field, message=error.message)],
        ) from error
    except AlreadyTakingPart as error:
        raise ProblemError(409, str(error), slug="already-taking-part") from error
    except CaseFinished as error:
        raise ProblemError(
            409,
            "The case is closed or withdrawn; nothing more is written in it.",
            slug="case-finished",
        ) from error
    except BadCursor as error:
        raise ProblemError(
            422,
            "1 field is invalid",
            errors=[FieldProblem(field="cursor", message="Not a cursor this list handed out")],
        ) from error


def answer(description: str) -> dict[str, Any]:
    """An answer in the OpenAPI document: a problem, said in words."""
    return {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}


NOT_FOUND_ANSWER = answer("No such case, or not one for this caller: every miss alike")
CHANGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: NOT_FOUND_ANSWER,
    409: answer("`illegal-transition`: not a step this part may take; `errors` names those it may"),
    412: answer("`precondition-failed`: `If-Match` names a version that is no longer current"),
    422: answer("The change is incomplete (a reason, an outcome) or malformed"),
    428: answer("`precondition-required`: no `If-Match`"),
}
