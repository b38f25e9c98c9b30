"""A stand-in for case-tracking: case views in memory, shown only to whom the service shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import (
    CasesClient,
    CaseView,
    InstitutionCase,
    InstitutionCasePage,
    TimelineEntry,
)
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import CaseStatus, Language
from nowrongdoor.problems import FieldProblem

from .stand_in import StandIn, Switchboard

CURSOR_PREFIX = "after:"


@dataclass
class Tracked:
    view: CaseView
    language: Language
    opened_at: datetime

    def has_part(self, institution_id: str | None) -> bool:
        return any(part.institution_id == institution_id for part in self.view.institutions)


class FakeCases(StandIn, CasesClient):
    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.tracked: dict[str, Tracked] = {}

    def opened(self, reference: str, language: Language) -> CaseView:
        """The case as case-tracking opens it when it hears a complaint was received."""
        now = datetime.now(UTC)
        view = CaseView(
            reference=reference,
            status=CaseStatus.RECEIVED,
            institutions=[],
            timeline=[TimelineEntry(at=now, kind="received", actor="platform", summary="Received")],
        )
        self.tracked[reference] = Tracked(view, language, now)
        return view

    def routed(self, reference: str, *parts: InstitutionSummary) -> CaseView:
        """The case once routing has decided: at these institutions, the lead first."""
        tracked = self.tracked[reference]
        entry = TimelineEntry(
            at=datetime.now(UTC),
            kind="routed",
            actor="platform",
            summary="Routed to " + ", ".join(part.name for part in parts),
        )
        tracked.view = tracked.view.model_copy(
            update={
                "status": CaseStatus.ROUTED,
                "institutions": list(parts),
                "timeline": [*tracked.view.timeline, entry],
            }
        )
        return tracked.view

    @override
    async def case(self, caller: Principal, reference: str) -> CaseView | None:
        await self.reached("case", caller, reference)
        tracked = self.tracked.get(reference)
        if tracked is None:
            return None
        if caller.kind == "public":
            return tracked.view if caller.may_open_as_complainant(reference) else None
        if caller.kind == "admin" or tracked.has_part(caller.institution_id):
            return tracked.view
        return None

    @override
    async def institution_cases(
        self, caller: Principal, institution_id: str, *, limit: int, cursor: str | None = None
    ) -> InstitutionCasePage:
        await self.reached("institution_cases", caller, institution_id)
        if caller.kind != "admin" and caller.institution_id != institution_id:
            return InstitutionCasePage(items=[])
        own = sorted(
            (tracked for tracked in self.tracked.values() if tracked.has_part(institution_id)),
            key=lambda tracked: (tracked.opened_at, tracked.view.reference),
            reverse=True,
        )
        references = [tracked.view.reference for tracked in own]
        start = 0
        if cursor is not None:
            after = cursor.removeprefix(CURSOR_PREFIX)
            if not cursor.startswith(CURSOR_PREFIX) or after not in references:
                raise self.refusal(
                    422,
                    "1 field is invalid",
                    slug="validation-error",
                    title="Invalid request",
                    errors=[
                        FieldProblem(field="cursor", message="Not a cursor this list handed out")
                    ],
                )
            start = references.index(after) + 1
        page = own[start : start + limit]
        more = start + limit < len(own)
        return InstitutionCasePage(
            items=[_listed(tracked, institution_id) for tracked in page],
            next_cursor=CURSOR_PREFIX + page[-1].view.reference if more else None,
        )


def _listed(tracked: Tracked, institution_id: str) -> InstitutionCase:
    part = next(p for p in tracked.view.institutions if p.institution_id == institution_id)
    return InstitutionCase(
        reference=tracked.view.reference,
        status=tracked.view.status,
        part_status=tracked.view.status,
        role=part.role,
        office_id=part.office_id,
        language=tracked.language,
        opened_at=tracked.opened_at,
    )
