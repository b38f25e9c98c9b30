"""Case-tracking's HTTP contracts: a case as its complainant follows it; the institutions' lists."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import CaseStatus, PartRole


class TimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(examples=["routed"])
    actor: str = Field(examples=["platform"])
    summary: str = Field(examples=["Routed to Institution du Médiateur du Royaume"])


class CaseView(BaseModel):
    """What the complainant sees with reference and receipt."""

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: CaseStatus = Field(examples=["routed"])
    institutions: list[InstitutionSummary]
    advice: str | None = Field(None, examples=["private-dispute"], description="Advice code")
    explanation: str | None = Field(
        None,
        description="Why the case is where it is, in plain words in the complainant's language",
        examples=["L'institution compétente pour votre plainte est : Institution du Médiateur."],
    )
    timeline: list[TimelineEntry]


class InstitutionCase(BaseModel):
    """One case as the institution taking part in it lists it."""

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: CaseStatus = Field(examples=["routed"], description="The status of the whole case")
    part_status: CaseStatus = Field(
        examples=["routed"], description="This institution's part of it"
    )
    role: PartRole = Field(examples=["lead"])
    office_id: str | None = Field(None, examples=["ma-mediateur-casablanca-settat"])
    language: str = Field(examples=["fr"])
    opened_at: datetime


class InstitutionCasePage(BaseModel):
    items: list[InstitutionCase]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; absent on the last page"
    )


class CasesClient(ServiceClient):
    """Case-tracking's internal API, typed."""

    service = "case-tracking"

    async def case(self, caller: Principal, reference: str) -> CaseView | None:
        """The case as `caller` may see it; None when it does not exist for them."""
        try:
            response = await self.call(caller, "GET", f"/internal/cases/{reference}")
        except ServiceProblem as error:
            if error.status == 404:
                return None
            raise
        return self.read(response, CaseView)

    async def institution_cases(
        self, caller: Principal, institution_id: str, *, limit: int, cursor: str | None = None
    ) -> InstitutionCasePage:
        """One page of an institution's cases; a cursor it never handed out is a 422."""
        params: dict[str, str | int] = {"institution_id": institution_id, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self.call(caller, "GET", "/internal/cases", params=params)
        return self.read(response, InstitutionCasePage)
