"""Case-tracking's stand-in, with joint cases: asking another institution to take part,
answering, and leaving; the institution asked reads the case, without its messages, until it
answers, and one that declined no longer sees it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import (
    CaseAnswer,
    CaseView,
    Invitation,
    InvitationAnswer,
    InvitationView,
    Leaving,
)
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import CaseStatus

from .cases import Part, Tracked
from .messages import FakeCaseMessages
from .stand_in import Switchboard

S = CaseStatus
LEAVABLE = (S.ROUTED, S.ACKNOWLEDGED, S.AWAITING_COMPLAINANT, S.ADMISSIBLE, S.INVESTIGATING)


class FakeJointCases(FakeCaseMessages):
    """`FakeCaseMessages`, and the invitations of each case."""

    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.invitations: dict[str, list[InvitationView]] = {}

    def _asked(self, reference: str) -> list[InvitationView]:
        return self.invitations.setdefault(reference, [])

    def _pending(self, caller: Principal, reference: str) -> InvitationView | None:
        if caller.kind != "institution":
            return None
        return next(
            (
                invitation
                for invitation in self._asked(reference)
                if invitation.institution_id == caller.institution_id
                and invitation.status == "pending"
            ),
            None,
        )

    @override
    def _readable(self, caller: Principal, reference: str) -> Tracked | None:
        readable = super()._readable(caller, reference)
        if readable is None and self._pending(caller, reference) is not None:
            return self.tracked[reference]
        return readable

    def _shown(self, caller: Principal, reference: str, view: CaseView) -> CaseView:
        """The invitations for the institutions; one asked sees its own, and no messages."""
        if caller.kind == "public":
            return view
        tracked = self.tracked[reference]
        asked = self._asked(reference)
        if caller.kind == "admin" or tracked.has_part(caller.institution_id):
            return view.model_copy(update={"invitations": list(asked)})
        own = [i for i in asked if i.institution_id == caller.institution_id]
        return view.model_copy(update={"invitations": own, "messages": []})

    @override
    async def case_answer(self, caller: Principal, reference: str) -> CaseAnswer | None:
        answer = await super().case_answer(caller, reference)
        if answer is None:
            return None
        view = self._shown(caller, reference, answer.view)
        return replace(answer, view=view, body=view.model_dump_json().encode())

    @override
    async def invite(
        self, caller: Principal, reference: str, invitation: Invitation, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        await self.reached("invite", caller, invitation, if_match=if_match)
        tracked, part = self._own_part(caller, reference)
        self._precondition(tracked, if_match)
        named = invitation.institution_id
        if any(p.institution_id == named for p in tracked.parts):
            raise self.refusal(
                409, f"{named} already takes part in this case.", slug="already-taking-part"
            )
        if any(i.institution_id == named and i.status == "pending" for i in self._asked(reference)):
            raise self.refusal(
                409, f"{named} has already been asked to take part.", slug="already-invited"
            )
        now = datetime.now(UTC)
        self._asked(reference).append(
            InvitationView(
                id=f"i-{len(self._asked(reference)) + 1:016x}",
                institution_id=named,
                invited_by=part.institution_id,
                status="pending",
                at=now,
                reason=invitation.reason,
            )
        )
        summary = f"{part.summary.name} asked {named} to take part in the case"
        tracked.happened("invited", part.institution_id, summary)
        return self._shown(caller, reference, tracked.seen_by(caller)), tracked.etag

    @override
    async def answer_invitation(
        self, caller: Principal, reference: str, answer: InvitationAnswer, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        await self.reached("answer_invitation", caller, answer, if_match=if_match)
        pending = self._pending(caller, reference)
        if pending is None:
            raise self.refusal(404, "No case with this reference for this caller.")
        self._require_write(caller)
        tracked = self.tracked[reference]
        self._precondition(tracked, if_match)
        if not answer.accept and not (answer.reason and answer.reason.strip()):
            raise self._invalid("reason", "Say why the institution declines to take part")
        asked = self._asked(reference)
        answered = pending.model_copy(
            update={
                "status": "accepted" if answer.accept else "declined",
                "answered_at": datetime.now(UTC),
                "decline_reason": None if answer.accept else answer.reason,
            }
        )
        asked[asked.index(pending)] = answered
        named = pending.institution_id
        if answer.accept:
            joining = InstitutionSummary(institution_id=named, name=named, role="associated")
            tracked.parts.append(Part(joining))
            tracked.happened("joined", named, f"{named} took part in the case")
            return self._shown(caller, reference, tracked.seen_by(caller)), tracked.etag
        tracked.happened("declined", named, f"{named} will not take part in the case")
        view = tracked.seen_by(caller).model_copy(update={"invitations": [answered]})
        return view.model_copy(update={"messages": []}), tracked.etag

    @override
    async def leave(
        self, caller: Principal, reference: str, leaving: Leaving, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        await self.reached("leave", caller, leaving, if_match=if_match)
        tracked, part = self._own_part(caller, reference)
        self._precondition(tracked, if_match)
        if part.status not in LEAVABLE:
            raise self.refusal(
                409,
                f"A part that is {part.status} cannot leave the case; close it instead.",
                slug="cannot-leave",
            )
        others = [p for p in tracked.parts if p.active and p is not part]
        if not others:
            raise self.refusal(
                409,
                "No other institution takes part in this case, so yours cannot leave it: "
                "transfer it to the institution you believe competent instead.",
                slug="last-part",
            )
        part.status = S.TRANSFERRED
        if part.summary.role == "lead":
            others[0].summary = others[0].summary.model_copy(update={"role": "lead"})
        summary = f"{part.summary.name} left the case: {leaving.reason}"
        tracked.happened("left", part.institution_id, summary)
        return self._shown(caller, reference, tracked.seen_by(caller)), tracked.etag
