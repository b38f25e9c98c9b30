"""The complainant's own personal data: export it, or erase it, with the reference and receipt.

The gateway only forwards: intake checks the receipt, opens or erases the data and audits it.
Answers are never cached anywhere on the way, and every miss is the same 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Header, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.clients import Upstreams, UpstreamUnavailable
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.vocabulary import Category, Channel, Language, RespondentType
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.problems import Problem, ProblemError

router = APIRouter(prefix="/v1", tags=["personal data"])

NO_STORE = {"Cache-Control": "no-store"}
NOT_FOUND = "No case matches this reference and receipt."

_HELD: dict[str, Any] = {
    "reference": "NWD-7K3M9QX2VD4H",
    "received_at": "2026-11-02T10:14:05Z",
    "received_by": None,
    "channel": "web",
    "category": "maladministration",
    "respondent_type": "local-authority",
    "respondent_territory": "MA-06",
    "language": "fr",
}
EXPORTED_EXAMPLE: dict[str, Any] = {
    **_HELD,
    "erased": False,
    "erased_at": None,
    "erasure_reason": None,
    "identity": {
        "name": "Amina El Idrissi",
        "email": "amina@example.org",
        "phone": "+212 600 000 000",
    },
    "description": "The commune has not answered my request for a birth certificate for five "
    "months despite three visits.",
    "respondent_name": "Commune de Casablanca",
}
ERASED_EXAMPLE: dict[str, Any] = {
    **_HELD,
    "erased": True,
    "erased_at": "2026-11-20T08:00:00Z",
    "erasure_reason": "request",
    "identity": None,
    "description": None,
    "respondent_name": None,
}


class Identity(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class PersonalData(BaseModel):
    """Everything held about a complaint, opened for the complainant who filed it."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXPORTED_EXAMPLE, ERASED_EXAMPLE]})

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    received_at: datetime
    received_by: str | None = Field(description="The institution whose door it came through")
    channel: Channel
    category: Category
    respondent_type: RespondentType
    respondent_territory: str = Field(examples=["MA-06"])
    language: Language
    erased: bool = Field(description="True once the personal data below has been erased")
    erased_at: datetime | None
    erasure_reason: Literal["request", "retention"] | None = Field(
        description="`request`: the complainant asked; `retention`: its time after closure ran out"
    )
    identity: Identity | None = Field(description="None for an anonymous complaint, or erased")
    description: str | None
    respondent_name: str | None


class ReceiptGuard(Protocol):
    """Slows and locks repeated wrong receipts for a reference, where the gateway has one."""

    async def before_check(self, reference: str) -> None: ...

    async def record_failure(self, reference: str) -> None: ...

    async def record_success(self, reference: str) -> None: ...


ReceiptHeader = Annotated[
    str | None,
    Header(
        alias="X-Receipt",
        description="The 16-digit receipt given when the complaint was filed",
        examples=["4821093377160254"],
    ),
]
ReferencePath = Annotated[str, Path(examples=["NWD-7K3M9QX2VD4H"])]


def _problem(description: str, example: Problem) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": example.model_dump(exclude_none=True),
            }
        },
    }


RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _problem(
        "No case matches this reference and receipt; a wrong receipt, an unknown reference and "
        "a reference locked after repeated wrong receipts all give this same answer",
        Problem(type="/problems/not-found", title="Not found", status=404, detail=NOT_FOUND),
    ),
    503: _problem(
        "Intake is not answering; nothing was changed. Try again after Retry-After seconds",
        Problem(
            type="/problems/unavailable",
            title="Service unavailable",
            status=503,
            detail="The intake service is not answering right now; nothing was changed. "
            "Please try again shortly.",
        ),
    ),
}


async def _forward(
    request: Request, reference: str, receipt: str | None, action: Literal["export", "erase"]
) -> PersonalData:
    not_found = ProblemError(404, NOT_FOUND, headers=NO_STORE)
    if not receipt or not is_reference(reference) or not is_receipt(receipt):
        raise not_found
    guard: ReceiptGuard | None = getattr(request.app.state, "receipt_guard", None)
    if guard is not None:
        await guard.before_check(reference)
    upstreams: Upstreams = request.app.state.upstreams
    response = await upstreams._call(
        Principal.public(),
        "intake",
        "POST",
        f"{upstreams.intake}/internal/personal-data/{action}",
        json={"reference": reference, "receipt": receipt},
    )
    if response.status_code == 404:
        if guard is not None:
            await guard.record_failure(reference)
        raise not_found
    if response.status_code != 200:
        raise UpstreamUnavailable("intake")
    if guard is not None:
        await guard.record_success(reference)
    return PersonalData.model_validate_json(response.content)


@router.get(
    "/cases/{reference}/personal-data",
    summary="Export your personal data",
    description=(
        "Everything held about the complaint, opened: your identity if you gave one, the "
        "description, the body complained about, and when it was received. Send the receipt in "
        "`X-Receipt`. A wrong receipt and an unknown reference give the same 404. Each export is "
        "recorded in the audit log; the answer is never cached."
    ),
    responses={200: {"description": "Your personal data"}, **RESPONSES},
)
async def export_personal_data(
    reference: ReferencePath, request: Request, response: Response, x_receipt: ReceiptHeader = None
) -> PersonalData:
    response.headers.update(NO_STORE)
    return await _forward(request, reference, x_receipt, "export")


@router.delete(
    "/cases/{reference}/personal-data",
    summary="Erase your personal data",
    description=(
        "Erases your identity, the description and the name of the body complained about. The "
        "case keeps its reference, status and anonymous facts (category, territory…) for the "
        "statistics, and you can still follow it with your receipt; the institutions can no "
        "longer read what you wrote. Erasing again changes nothing. Each erasure is recorded in "
        "the audit log."
    ),
    responses={
        200: {
            "description": "Erased; what is still held",
            "content": {"application/json": {"example": ERASED_EXAMPLE}},
        },
        **RESPONSES,
    },
)
async def erase_personal_data(
    reference: ReferencePath, request: Request, response: Response, x_receipt: ReceiptHeader = None
) -> PersonalData:
    response.headers.update(NO_STORE)
    return await _forward(request, reference, x_receipt, "erase")
