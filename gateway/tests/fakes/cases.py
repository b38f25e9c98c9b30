"""A stand-in for case-tracking: cases in memory, worked through its state machine, each shown only
to whom the service shows it and as that reader may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import (
    AttachmentFile,
    CaseAnswer,
    CaseFilters,
    CasePageAnswer,
    CasePart,
    CasesClient,
    CaseView,
    FiledRequest,
    FiledRequestFilters,
    InstitutionCase,
    InstitutionCasePage,
    Message,
    PromisedDate,
    StatusChange,
    TimelineEntry,
    Transfer,
    Withdrawal,
)
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import (
    CaseOutcome,
    CaseStatus,
    Category,
    Channel,
    Language,
    ServiceStandard,
)
from nowrongdoor.problems import FieldProblem

from .filed_requests import as_filed, filed_with
from .stand_in import StandIn, Switchboard

CURSOR_PREFIX = "after:"
S = CaseStatus
NEXT: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    S.ROUTED: (S.ACKNOWLEDGED, S.TRANSFERRED),
    S.ACKNOWLEDGED: (S.ADMISSIBLE, S.INADMISSIBLE, S.AWAITING_COMPLAINANT, S.TRANSFERRED),
    S.ADMISSIBLE: (S.INVESTIGATING, S.AWAITING_COMPLAINANT, S.TRANSFERRED),
    S.INVESTIGATING: (S.RESOLVED, S.AWAITING_COMPLAINANT),
    S.INADMISSIBLE: (S.CLOSED,),
    S.RESOLVED: (S.CLOSED,),
}
"""Each step a part may take next; from awaiting-complainant, only back where it paused."""
PROGRESS = (
    S.ROUTED,
    S.ACKNOWLEDGED,
    S.AWAITING_COMPLAINANT,
    S.ADMISSIBLE,
    S.INADMISSIBLE,
    S.INVESTIGATING,
    S.RESOLVED,
    S.CLOSED,
)
"""The whole case is the least advanced of its active parts, in this order."""
ENDED = (S.CLOSED, S.WITHDRAWN)


@dataclass
class Part:
    """One institution's part: its own status, where it paused, how it ended."""

    summary: InstitutionSummary
    status: CaseStatus = S.ROUTED
    paused_from: CaseStatus | None = None
    outcome: CaseOutcome | None = None
    outcome_reason: str | None = None
    handler: str | None = None

    @property
    def institution_id(self) -> str:
        return self.summary.institution_id

    @property
    def active(self) -> bool:
        return self.status != S.TRANSFERRED

    def allowed(self) -> list[CaseStatus]:
        if self.status == S.AWAITING_COMPLAINANT:
            return [self.paused_from] if self.paused_from else []
        return list(NEXT.get(self.status, ()))

    def seen(self) -> CasePart:
        return CasePart(
            institution_id=self.institution_id,
            role=self.summary.role,
            status=self.status,
            handler=self.handler,
            outcome=self.outcome,
            outcome_reason=self.outcome_reason,
            allowed=self.allowed(),
        )


@dataclass
class Tracked:
    view: CaseView
    """The case as the complainant reads it, without the messages."""
    language: Language
    opened_at: datetime
    category: Category | None = None
    territory: str | None = None
    parts: list[Part] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    version: int = 1
    triage_desk: str | None = None
    overdue: bool = False
    received_by: str | None = None
    channel: Channel = "web"

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    def part_of(self, institution_id: str | None) -> Part | None:
        return next(
            (p for p in self.parts if p.active and p.institution_id == institution_id), None
        )

    def has_part(self, institution_id: str | None) -> bool:
        return self.part_of(institution_id) is not None

    def happened(self, kind: str, actor: str, summary: str, **changes: object) -> None:
        """One change: its timeline entry, the whole status derived again, a new version."""
        entry = TimelineEntry(at=datetime.now(UTC), kind=kind, actor=actor, summary=summary)
        self.view = self.view.model_copy(
            update={
                **changes,
                "institutions": [part.summary for part in self.parts if part.active],
                "timeline": [*self.view.timeline, entry],
            }
        )
        self.view.status = self._whole_status()
        self.version += 1

    def _whole_status(self) -> CaseStatus:
        active = [part.status for part in self.parts if part.active]
        if not active:
            return self.view.status
        if all(status == S.WITHDRAWN for status in active):
            return S.WITHDRAWN
        return min(
            (status for status in active if status in PROGRESS),
            key=PROGRESS.index,
            default=S.CLOSED,
        )

    def seen_by(self, reader: Principal) -> CaseView:
        """The case as this reader may see it: messages it may read, parts for institutions."""
        if reader.kind == "public":
            readable = [m for m in self.messages if m.audience == "complainant"]
            return self.view.model_copy(update={"messages": readable})
        readable = [
            m
            for m in self.messages
            if m.audience != "internal" or m.institution_id == reader.institution_id
        ]
        return self.view.model_copy(
            update={"messages": readable, "parts": [part.seen() for part in self.parts]}
        )


class FakeCases(StandIn, CasesClient):
    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.tracked: dict[str, Tracked] = {}
        self.files: dict[str, tuple[str, Message, AttachmentFile]] = {}
        """Each attachment's case reference, message and file, by its id."""
        self.reusable_seconds: int | None = None
        """How long case tracking says each answer about a case stays true; None: not at all."""
        self.read_in: list[Language | None] = []
        """The language each read of a case asked its timeline in, oldest first; shared by the
        copies `reading_in` makes."""

    def opened(
        self,
        reference: str,
        language: Language,
        *,
        category: Category | None = None,
        territory: str | None = None,
        received_by: str | None = None,
        channel: Channel = "web",
        received_at: datetime | None = None,
    ) -> CaseView:
        """The case as case-tracking opens it when it hears a complaint was received: through
        `channel`, at the door of `received_by`, at `received_at` (now, unless said)."""
        now = received_at or datetime.now(UTC)
        view = CaseView(
            reference=reference,
            status=S.RECEIVED,
            institutions=[],
            timeline=[TimelineEntry(at=now, kind="received", actor="platform", summary="Received")],
        )
        self.tracked[reference] = Tracked(
            view, language, now, category, territory, received_by=received_by, channel=channel
        )
        return view

    def routed(self, reference: str, *parts: InstitutionSummary) -> CaseView:
        """The case once routing has decided: at these institutions, the lead first, each with
        the date it promised to acknowledge by; as the complainant reads it."""
        tracked = self.tracked[reference]
        tracked.parts = [Part(summary) for summary in parts]
        due = tracked.opened_at.date() + timedelta(days=14)
        promised = [
            PromisedDate(
                institution_id=p.institution_id, standard=ServiceStandard.ACKNOWLEDGE, due=due
            )
            for p in parts
        ]
        names = ", ".join(part.name for part in parts)
        tracked.happened("routed", "platform", f"Routed to {names}", promised=promised)
        return tracked.seen_by(Principal.public())

    def waiting_for_triage(self, reference: str, desk: str) -> None:
        """The case waits for this institution's triage desk to decide where it goes."""
        tracked = self.tracked[reference]
        tracked.triage_desk = desk
        tracked.happened("triage", "platform", "Waiting for the triage desk", status=S.TRIAGE)

    def _readable(self, caller: Principal, reference: str) -> Tracked | None:
        tracked = self.tracked.get(reference)
        if tracked is None:
            return None
        if caller.kind == "public":
            return tracked if caller.may_open_as_complainant(reference) else None
        if caller.kind == "admin" or tracked.has_part(caller.institution_id):
            return tracked
        return None

    def _own_part(self, caller: Principal, reference: str) -> tuple[Tracked, Part]:
        """The caller's active part of the case, which it may change; else the one 404."""
        tracked = self.tracked.get(reference)
        part = tracked.part_of(caller.institution_id) if tracked else None
        if tracked is None or part is None or caller.kind != "institution":
            raise self.refusal(404, "No case with this reference for this caller.")
        self._require_write(caller)
        return tracked, part

    def _require_write(self, caller: Principal) -> None:
        if "cases:write" not in caller.scopes:
            raise self.refusal(
                403,
                "This client lacks the `cases:write` scope.",
                slug="insufficient-scope",
                title="Insufficient scope",
            )

    def _precondition(self, tracked: Tracked, if_match: str | None) -> None:
        if if_match is None:
            raise self.refusal(
                428,
                "Send the case's ETag as `If-Match`.",
                slug="precondition-required",
                title="Precondition required",
            )
        if if_match != tracked.etag:
            raise self.refusal(
                412,
                "The case changed since it was read; read it again and retry.",
                slug="precondition-failed",
                title="Precondition failed",
            )

    def _illegal(self, part: Part, wanted: CaseStatus) -> ServiceProblem:
        allowed = part.allowed()
        return self.refusal(
            409,
            f"This is {part.status}; it cannot become {wanted}. "
            f"Allowed next steps: {', '.join(allowed) or 'none'}.",
            slug="illegal-transition",
            title="Illegal transition",
            errors=[FieldProblem(field="status", message=status) for status in allowed],
        )

    def _invalid(self, name: str, message: str) -> ServiceProblem:
        return self.refusal(
            422,
            "1 field is invalid",
            slug="validation-error",
            title="Invalid request",
            errors=[FieldProblem(field=name, message=message)],
        )

    @override
    async def case_answer(self, caller: Principal, reference: str) -> CaseAnswer | None:
        await self.reached("case_answer", caller, reference)
        self.read_in.append(self.language)
        tracked = self._readable(caller, reference)
        if tracked is None:
            return None
        view = tracked.seen_by(caller)
        return CaseAnswer(
            view=view,
            body=view.model_dump_json().encode(),
            etag=tracked.etag,
            reusable_seconds=self.reusable_seconds,
        )

    @override
    async def institution_cases_answer(
        self,
        caller: Principal,
        institution_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        filters: CaseFilters | None = None,
    ) -> CasePageAnswer:
        await self.reached("institution_cases", caller, (institution_id, filters))
        page = InstitutionCasePage(items=[])
        if caller.kind == "admin" or caller.institution_id == institution_id:
            kept = [
                tracked
                for tracked in self.tracked.values()
                if _matches(tracked, institution_id, filters or CaseFilters())
            ]
            page = self._page(kept, institution_id, limit, cursor)
        return CasePageAnswer(
            page=page,
            body=page.model_dump_json().encode(),
            reusable_seconds=self.reusable_seconds if caller.kind == "institution" else None,
        )

    @override
    async def filed_requests(
        self, caller: Principal, institution_id: str, *, filters: FiledRequestFilters, limit: int
    ) -> list[FiledRequest]:
        await self.reached("filed_requests", caller, (institution_id, filters))
        own = (caller.kind, caller.institution_id) == ("institution", institution_id)
        if not own or "cases:read" not in caller.scopes:
            return []
        kept = [t for t in self.tracked.values() if filed_with(t, institution_id, filters)]
        ordered = sorted(kept, key=lambda t: (t.opened_at, t.view.reference), reverse=True)
        return [as_filed(tracked) for tracked in ordered[:limit]]

    @override
    async def triage_queue(
        self, caller: Principal, institution_id: str, *, limit: int, cursor: str | None = None
    ) -> InstitutionCasePage:
        await self.reached("triage_queue", caller, institution_id)
        if caller.kind != "admin" and caller.institution_id != institution_id:
            return InstitutionCasePage(items=[])
        waiting = [
            tracked
            for tracked in self.tracked.values()
            if tracked.triage_desk == institution_id and tracked.view.status == S.TRIAGE
        ]
        return self._page(waiting, institution_id, limit, cursor)

    def _page(
        self, cases: list[Tracked], institution_id: str, limit: int, cursor: str | None
    ) -> InstitutionCasePage:
        ordered = sorted(cases, key=lambda t: (t.opened_at, t.view.reference), reverse=True)
        references = [tracked.view.reference for tracked in ordered]
        start = 0
        if cursor is not None:
            after = cursor.removeprefix(CURSOR_PREFIX)
            if not cursor.startswith(CURSOR_PREFIX) or after not in references:
                raise self._invalid("cursor", "Not a cursor this list handed out")
            start = references.index(after) + 1
        page = ordered[start : start + limit]
        more = start + limit < len(ordered)
        return InstitutionCasePage(
            items=[_listed(tracked, institution_id) for tracked in page],
            next_cursor=CURSOR_PREFIX + page[-1].view.reference if more else None,
        )

    @override
    async def change_status(
        self, caller: Principal, reference: str, change: StatusChange, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        await self.reached("change_status", caller, change, if_match=if_match)
        tracked, part = self._own_part(caller, reference)
        self._precondition(tracked, if_match)
        if change.status not in part.allowed() or change.status == S.TRANSFERRED:
            raise self._illegal(part, change.status)
        if change.status == S.RESOLVED and change.outcome is None:
            raise self._invalid("outcome", "An outcome is required to resolve")
        if change.status in (S.RESOLVED, S.INADMISSIBLE) and not change.reason:
            raise self._invalid("reason", "A reason is required for this step")
        if change.status == S.AWAITING_COMPLAINANT:
            part.paused_from = part.status
        elif part.status == S.AWAITING_COMPLAINANT:
            part.paused_from = None
        part.status = change.status
        part.handler = change.handler or part.handler
        if change.status in (S.RESOLVED, S.INADMISSIBLE):
            part.outcome, part.outcome_reason = change.outcome, change.reason
        summary = f"{part.summary.name}: {change.status}"
        changes = {}
        if change.status == S.RESOLVED:
            changes = {"outcome": change.outcome, "outcome_reason": change.reason}
        tracked.happened(change.status, part.institution_id, summary, **changes)
        return tracked.seen_by(caller), tracked.etag

    @override
    async def transfer(
        self, caller: Principal, reference: str, transfer: Transfer, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        await self.reached("transfer", caller, transfer, if_match=if_match)
        tracked, part = self._own_part(caller, reference)
        self._precondition(tracked, if_match)
        if S.TRANSFERRED not in part.allowed():
            raise self._illegal(part, S.TRANSFERRED)
        named = transfer.to_institution_id
        if named is not None and (named == part.institution_id or tracked.has_part(named)):
            raise self.refusal(
                409,
                f"{named} already takes part in this case.",
                slug="already-taking-part",
                title="Conflict",
            )
        part.status = S.TRANSFERRED
        if named is None:
            summary = f"Transferred from {part.summary.name} to be routed again: {transfer.reason}"
            # With no part left, the case waits for routing to decide again.
            tracked.happened("transferred", part.institution_id, summary, status=S.RECEIVED)
        else:
            arriving = InstitutionSummary(institution_id=named, name=named, role=part.summary.role)
            tracked.parts.append(Part(arriving))
            summary = f"Transferred from {part.summary.name} to {named}: {transfer.reason}"
            tracked.happened("transferred", part.institution_id, summary)
        return tracked.seen_by(caller), tracked.etag

    @override
    async def withdraw(self, caller: Principal, reference: str, withdrawal: Withdrawal) -> CaseView:
        await self.reached("withdraw", caller, withdrawal)
        tracked = self._readable(caller, reference)
        if tracked is None or caller.kind != "public":
            raise self.refusal(404, "No case with this reference for this caller.")
        if tracked.view.status in ENDED:
            raise self.refusal(
                409,
                f"This is {tracked.view.status}; it cannot become withdrawn. "
                "Allowed next steps: none.",
                slug="illegal-transition",
                title="Illegal transition",
                errors=[],
            )
        for part in tracked.parts:
            if part.active and part.status not in ENDED:
                part.status, part.outcome = S.WITHDRAWN, CaseOutcome.WITHDRAWN
                part.outcome_reason = withdrawal.reason
        summary = "Withdrawn by the complainant"
        tracked.happened("withdrawn", "complainant", summary, status=S.WITHDRAWN)
        return tracked.seen_by(caller)

    @override
    async def withdraw_relay(self, caller: Principal, reference: str) -> None:
        await self.reached("withdraw_relay", caller, reference)
        tracked = self._readable(caller, reference)
        if tracked is None or caller.kind != "institution":
            raise self.refusal(404, "No case with this reference for this caller.")
        raise self.refusal(
            422,
            "1 field is invalid",
            slug="validation-error",
            title="Invalid request",
            errors=[FieldProblem(field="reference", message="No NGO relayed this case.")],
        )


def _matches(tracked: Tracked, institution_id: str, filters: CaseFilters) -> bool:
    """Whether the case is in the list as narrowed; the status is the institution's part's, and
    both ends of the time window are included."""
    territory, received = tracked.territory or "", tracked.opened_at
    part = tracked.part_of(institution_id)
    if part is None:
        return False
    return (
        filters.status in (None, part.status)
        and filters.category in (None, tracked.category)
        and (filters.territory is None or f"{territory}-".startswith(f"{filters.territory}-"))
        and filters.overdue in (None, tracked.overdue)
        and (filters.received_from is None or received >= filters.received_from)
        and (filters.received_until is None or received <= filters.received_until)
    )


def _listed(tracked: Tracked, institution_id: str) -> InstitutionCase:
    part = tracked.part_of(institution_id)
    summary = (
        part.summary
        if part
        else InstitutionSummary(institution_id=institution_id, name=institution_id, role="lead")
    )
    return InstitutionCase(
        reference=tracked.view.reference,
        status=tracked.view.status,
        part_status=part.status if part else tracked.view.status,
        role=summary.role,
        office_id=summary.office_id,
        language=tracked.language,
        opened_at=tracked.opened_at,
    )
