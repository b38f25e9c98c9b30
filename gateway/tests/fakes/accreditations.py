"""A stand-in for routing's accreditations: criteria, applications and steps, kept in memory.

Who sees what follows routing: an NGO its own, an institution those it grants, nobody else's;
an illegal step is the 409 routing answers, naming the allowed ones. Evidence is kept as sent,
listed beside its answer, and read by the NGO and the institution only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import (
    AccreditationAction,
    AccreditationApplication,
    AccreditationCriteria,
    AccreditationStep,
    AccreditationView,
    AccreditedNgo,
    CriteriaChange,
    Criterion,
    CriterionAnswer,
    CriterionAnswerView,
    Grant,
    Refusal,
    Reinstatement,
    Renewal,
    Revocation,
    Suspension,
)
from nowrongdoor.contracts.attachments import Attachment, AttachmentFile
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.routing import Reliance, RoutingClient
from nowrongdoor.contracts.vocabulary import AccreditationStatus as S
from nowrongdoor.files import EXTENSIONS, detect
from nowrongdoor.problems import FieldProblem

from .stand_in import StandIn, Switchboard

INSTITUTIONS = ("fr-hatvp", "ma-inpplc")
STEPS: dict[S, list[AccreditationAction]] = {
    S.APPLIED: ["grant", "refuse"],
    S.GRANTED: ["suspend", "renew", "revoke"],
    S.SUSPENDED: ["reinstate", "revoke"],
    S.EXPIRED: ["renew"],
    S.REFUSED: [],
    S.REVOKED: [],
}
AFTER: dict[AccreditationAction, S] = {
    "grant": S.GRANTED,
    "refuse": S.REFUSED,
    "suspend": S.SUSPENDED,
    "reinstate": S.GRANTED,
    "renew": S.GRANTED,
    "revoke": S.REVOKED,
}
CRITERIA = [
    Criterion(
        id="anti-corruption-purpose",
        text={
            "fr": "Ses statuts visent la lutte contre la corruption.",
            "en": "Its statutes aim at fighting corruption.",
        },
    )
]
NO_ACCREDITATION = "No accreditation with this id."


class AccreditingRouting(StandIn, RoutingClient):
    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.today = date(2026, 12, 3)
        """The day routing reads expiry against; tests move it."""
        self.criteria: dict[str, list[Criterion]] = {"fr-hatvp": list(CRITERIA)}
        self.kept: dict[str, AccreditationView] = {}
        self.evidence: dict[tuple[str, str], AttachmentFile] = {}
        """Each file by its accreditation and its id, as sent."""

    def _institution(self, institution_id: str) -> None:
        if institution_id not in INSTITUTIONS:
            raise self.refusal(404, "No institution with this id.")

    def _read(self, view: AccreditationView) -> AccreditationView:
        status = view.status
        if status == S.GRANTED and view.expires_on is not None and view.expires_on < self.today:
            status = S.EXPIRED
        return view.model_copy(update={"status": status, "allowed": STEPS[status]})

    def _visible(self, caller: Principal, accreditation_id: str) -> AccreditationView:
        view = self.kept.get(accreditation_id)
        mine = view is not None and (
            caller.kind == "admin"
            or (caller.kind == "ngo" and view.ngo_id == caller.institution_id)
            or (caller.kind == "institution" and view.institution_id == caller.institution_id)
        )
        if view is None or not mine:
            raise self.refusal(404, NO_ACCREDITATION)
        return view

    def _answered(
        self, accreditation_id: str, answers: list[CriterionAnswer]
    ) -> list[CriterionAnswerView]:
        """The answers as both sides read them, their files kept aside."""
        viewed = []
        for answer in answers:
            listed = []
            for position, upload in enumerate(answer.attachments, start=1):
                media_type = detect(upload.content) or "text/plain"
                name = f"{answer.criterion_id}-{position}.{EXTENSIONS[media_type]}"
                attachment_id = f"a-{uuid.uuid4().hex[:16]}"
                self.evidence[accreditation_id, attachment_id] = AttachmentFile(
                    name=name, media_type=media_type, content=upload.content
                )
                listed.append(
                    Attachment(
                        id=attachment_id,
                        name=name,
                        media_type=media_type,
                        size=len(upload.content),
                        metadata_removed=media_type != "text/plain",
                    )
                )
            viewed.append(
                CriterionAnswerView(
                    criterion_id=answer.criterion_id, answer=answer.answer, attachments=listed
                )
            )
        return viewed

    @override
    async def accreditation_criteria(
        self, caller: Principal, institution_id: str
    ) -> AccreditationCriteria:
        await self.reached("accreditation_criteria", caller, institution_id)
        self._institution(institution_id)
        return AccreditationCriteria(
            institution_id=institution_id, criteria=self.criteria.get(institution_id, [])
        )

    @override
    async def publish_accreditation_criteria(
        self, caller: Principal, institution_id: str, change: CriteriaChange
    ) -> AccreditationCriteria:
        await self.reached("publish_accreditation_criteria", caller, change)
        self._institution(institution_id)
        if caller.kind != "admin" and caller.institution_id != institution_id:
            raise self.refusal(404, "No institution with this id.")
        self.criteria[institution_id] = list(change.criteria)
        return AccreditationCriteria(
            institution_id=institution_id,
            criteria=change.criteria,
            updated_at=datetime.now(UTC),
        )

    @override
    async def accredited_ngos(self, caller: Principal, institution_id: str) -> list[AccreditedNgo]:
        await self.reached("accredited_ngos", caller, institution_id)
        self._institution(institution_id)
        listed = []
        for view in map(self._read, self.kept.values()):
            if view.institution_id != institution_id or view.status != S.GRANTED:
                continue
            assert view.scope and view.since and view.expires_on, "set when granted"
            listed.append(
                AccreditedNgo(
                    ngo_id=view.ngo_id,
                    name=view.ngo_name,
                    scope=view.scope,
                    since=view.since,
                    until=view.expires_on,
                )
            )
        return sorted(listed, key=lambda ngo: ngo.name)

    @override
    async def apply_for_accreditation(
        self, caller: Principal, application: AccreditationApplication
    ) -> AccreditationView:
        await self.reached("apply_for_accreditation", caller, application)
        self._institution(application.institution_id)
        assert caller.kind == "ngo", "the gateway lets only NGOs apply"
        assert caller.institution_id is not None
        for view in self.kept.values():
            if (
                view.ngo_id == caller.institution_id
                and view.institution_id == application.institution_id
                and view.status == S.APPLIED
            ):
                raise self.refusal(
                    409,
                    f"Your application {view.id} to this institution awaits its decision; "
                    "apply again once it is decided.",
                    slug="application-pending",
                    title="Application pending",
                )
        now = datetime.now(UTC)
        accreditation_id = f"acc-{uuid.uuid4().hex}"
        view = AccreditationView(
            id=accreditation_id,
            ngo_id=caller.institution_id,
            ngo_name=application.ngo_name,
            institution_id=application.institution_id,
            status=S.APPLIED,
            answers=self._answered(accreditation_id, application.answers),
            applied_at=now,
            allowed=STEPS[S.APPLIED],
            history=[
                AccreditationStep(
                    action="apply",
                    status=S.APPLIED,
                    by_client_id=caller.client_id,
                    by_kind=caller.kind,
                    at=now,
                )
            ],
        )
        self.kept[view.id] = view
        return view

    @override
    async def accreditations(self, caller: Principal) -> list[AccreditationView]:
        await self.reached("accreditations", caller)
        return [
            self._read(view)
            for view in self.kept.values()
            if caller.kind == "admin"
            or (caller.kind == "ngo" and view.ngo_id == caller.institution_id)
            or (caller.kind == "institution" and view.institution_id == caller.institution_id)
        ]

    @override
    async def accreditation(self, caller: Principal, accreditation_id: str) -> AccreditationView:
        await self.reached("accreditation", caller, accreditation_id)
        return self._read(self._visible(caller, accreditation_id))

    @override
    async def accreditation_attachment(
        self, caller: Principal, accreditation_id: str, attachment_id: str
    ) -> AttachmentFile | None:
        await self.reached("accreditation_attachment", caller, (accreditation_id, attachment_id))
        view = self.kept.get(accreditation_id)
        readers = view is not None and (
            (caller.kind == "ngo" and view.ngo_id == caller.institution_id)
            or (caller.kind == "institution" and view.institution_id == caller.institution_id)
        )
        return self.evidence.get((accreditation_id, attachment_id)) if readers else None

    @override
    async def decide_accreditation(
        self,
        caller: Principal,
        accreditation_id: str,
        action: AccreditationAction,
        decision: Grant | Refusal | Suspension | Reinstatement | Renewal | Revocation,
    ) -> AccreditationView:
        await self.reached("decide_accreditation", caller, (accreditation_id, action, decision))
        view = self._read(self._visible(caller, accreditation_id))
        if caller.kind == "ngo":
            raise self.refusal(
                403, "Only the granting institution decides.", slug="wrong-client-kind"
            )
        if action not in view.allowed:
            allowed = ", ".join(view.allowed) or "none"
            raise self.refusal(
                409,
                f"An accreditation that is {view.status} cannot be {action}. "
                f"Allowed next steps: {allowed}.",
                slug="illegal-transition",
                title="Illegal transition",
                errors=[FieldProblem(field="action", message=step) for step in view.allowed],
            )
        changes: dict[str, object] = {"status": AFTER[action]}
        if isinstance(decision, Grant):
            changes |= {"scope": decision.scope, "since": self.today}
        if isinstance(decision, Grant | Renewal):
            changes["expires_on"] = decision.expires_on
        step = AccreditationStep(
            action=action,
            status=AFTER[action],
            by_client_id=caller.client_id,
            by_kind=caller.kind,
            at=datetime.now(UTC),
            reason=getattr(decision, "reason", None),
            reasons=list(getattr(decision, "reasons", [])),
        )
        changes["history"] = [*view.history, step]
        changed = view.model_copy(update=changes)
        self.kept[accreditation_id] = changed
        return self._read(changed)

    @override
    async def rely_on(
        self, caller: Principal, accreditation_id: str, reliance: Reliance
    ) -> RelayingNgo:
        await self.reached("rely_on", caller, (accreditation_id, reliance))
        if caller.kind != "ngo":
            raise self.refusal(404, NO_ACCREDITATION)
        view = self._read(self._visible(caller, accreditation_id))
        if view.status != S.GRANTED or view.scope is None:
            raise self.refusal(
                409,
                f"The accreditation is {view.status}. Nothing was stored.",
                slug=f"accreditation-{view.status}",
            )
        territories = view.scope.territories
        inside = any(reliance.territory.startswith(t) for t in territories)
        if reliance.category not in view.scope.categories or not inside:
            raise self.refusal(
                422,
                "The accreditation does not cover this alert; nothing was stored.",
                slug="accreditation-out-of-scope",
                errors=[FieldProblem(field="category", message="not covered")],
            )
        return RelayingNgo(
            ngo_id=view.ngo_id,
            ngo_name=view.ngo_name,
            accreditation_id=view.id,
            accredited_by=view.institution_id,
        )
