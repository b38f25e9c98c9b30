"""A stand-in for intake: complaints held in memory, receipts checked, personal data opened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contacts import ContactDetails
from nowrongdoor.contracts.intake import (
    ComplaintAccepted,
    ComplaintForStaff,
    ContactChange,
    Identity,
    IncomingComplaint,
    IntakeClient,
    PersonalData,
    ReceiptCheck,
    ResubmissionCheck,
    SubmissionStatus,
)
from nowrongdoor.ids import new_receipt, new_reference

from .stand_in import StandIn, Switchboard

OnFiled = Callable[[str, IncomingComplaint], None]


@dataclass
class Filed:
    """A complaint intake holds: its receipt, what the gateway handed over and for whom."""

    receipt: str
    complaint: IncomingComplaint
    caller: Principal
    received_at: datetime
    erased_at: datetime | None = None
    contact: ContactDetails | None = None
    """The addresses as changed on the tracking API; empty once removed."""


class FakeIntake(StandIn, IntakeClient):
    def __init__(self, switchboard: Switchboard, on_filed: OnFiled) -> None:
        super().__init__(switchboard)
        self.on_filed = on_filed
        self.submissions: dict[str, Filed] = {}
        self.awaiting_prerequisite: set[str] = set()
        """Complaints held until the complainant says the administration was contacted."""
        self.competent: dict[str, list[str]] = {}
        """The institutions whose staff may read each complaint."""

    def holds(self, complaint: IncomingComplaint) -> ComplaintAccepted:
        """Keep a complaint as if the public had filed it, without a call to count."""
        return self._keep(complaint, Principal.public())

    def _keep(self, complaint: IncomingComplaint, caller: Principal) -> ComplaintAccepted:
        reference, receipt = new_reference(), new_receipt()
        self.submissions[reference] = Filed(receipt, complaint, caller, datetime.now(UTC))
        self.on_filed(reference, complaint)
        return ComplaintAccepted(reference=reference, receipt=receipt)

    @property
    def erased(self) -> list[str]:
        return [reference for reference, filed in self.submissions.items() if filed.erased_at]

    def _matching(self, check: ReceiptCheck) -> Filed | None:
        filed = self.submissions.get(check.reference)
        return filed if filed is not None and filed.receipt == check.receipt else None

    @override
    async def submit(self, caller: Principal, complaint: IncomingComplaint) -> ComplaintAccepted:
        await self.reached("submit", caller, complaint)
        return self._keep(complaint, caller)

    @override
    async def check_receipt(
        self, caller: Principal, check: ReceiptCheck
    ) -> SubmissionStatus | None:
        await self.reached("check_receipt", caller, check)
        filed = self._matching(check)
        return _status(check.reference, filed) if filed else None

    @override
    async def resubmit(
        self, caller: Principal, check: ResubmissionCheck
    ) -> SubmissionStatus | None:
        await self.reached("resubmit", caller, check)
        filed = self._matching(check)
        if filed is None:
            return None
        if check.reference not in self.awaiting_prerequisite:
            raise self.refusal(
                409,
                "This case is not waiting for a missing step; there is nothing to add to it now.",
                slug="not-waiting-for-prerequisite",
                title="Not waiting for a prerequisite",
            )
        self.awaiting_prerequisite.discard(check.reference)
        return _status(check.reference, filed)

    @override
    async def export_personal_data(
        self, caller: Principal, check: ReceiptCheck
    ) -> PersonalData | None:
        await self.reached("export_personal_data", caller, check)
        filed = self._matching(check)
        return _personal_data(check.reference, filed) if filed else None

    @override
    async def erase_personal_data(
        self, caller: Principal, check: ReceiptCheck
    ) -> PersonalData | None:
        await self.reached("erase_personal_data", caller, check)
        filed = self._matching(check)
        if filed is None:
            return None
        filed.erased_at = filed.erased_at or datetime.now(UTC)
        return _personal_data(check.reference, filed)

    @override
    async def change_contact(self, caller: Principal, change: ContactChange) -> bool:
        await self.reached("change_contact", caller, change)
        filed = self._matching(change)
        if filed is None:
            return False
        if filed.erased_at is not None:
            raise self.refusal(
                409,
                "Your personal data was erased; no address can be kept for this case.",
                slug="personal-data-erased",
                title="Personal data erased",
            )
        filed.contact = ContactDetails(email=change.email, phone=change.phone)
        return True

    @override
    async def remove_contact(self, caller: Principal, check: ReceiptCheck) -> bool:
        await self.reached("remove_contact", caller, check)
        filed = self._matching(check)
        if filed is None:
            return False
        filed.contact = ContactDetails()
        return True

    @override
    async def complaint_for_staff(
        self, caller: Principal, reference: str
    ) -> ComplaintForStaff | None:
        await self.reached("complaint_for_staff", caller, reference)
        if "cases:read" not in caller.scopes:
            raise self.refusal(
                403,
                "This client lacks the `cases:read` scope.",
                slug="insufficient-scope",
                title="Insufficient scope",
            )
        filed = self.submissions.get(reference)
        competent = self.competent.get(reference, [])
        if filed is None or caller.kind != "institution" or caller.institution_id not in competent:
            return None
        opened = _personal_data(reference, filed)
        submission = filed.complaint.submission
        return ComplaintForStaff(
            reference=reference,
            received_at=filed.received_at,
            received_by=submission.received_by,
            channel=filed.complaint.channel,
            category=submission.category,
            respondent_type=submission.respondent.type,
            respondent_territory=submission.respondent.territory,
            complainant_role=submission.complainant.role,
            anonymous=submission.complainant.anonymous,
            administration_contacted=submission.administration_contacted,
            court_case_pending=submission.court_case_pending,
            language=submission.language,
            competent_institution_ids=competent,
            erased_at=filed.erased_at,
            identity=opened.identity,
            description=opened.description,
            respondent_name=opened.respondent_name,
        )


def _status(reference: str, filed: Filed) -> SubmissionStatus:
    submission = filed.complaint.submission
    return SubmissionStatus(
        reference=reference,
        received_at=filed.received_at,
        received_by=submission.received_by,
        language=submission.language,
    )


def _personal_data(reference: str, filed: Filed) -> PersonalData:
    submission, erased = filed.complaint.submission, filed.erased_at is not None
    complainant = submission.complainant
    identity = Identity(name=complainant.name, email=complainant.email, phone=complainant.phone)
    contact = filed.contact or ContactDetails(email=complainant.email, phone=complainant.phone)
    return PersonalData(
        reference=reference,
        received_at=filed.received_at,
        received_by=submission.received_by,
        channel=filed.complaint.channel,
        category=submission.category,
        respondent_type=submission.respondent.type,
        respondent_territory=submission.respondent.territory,
        language=submission.language,
        erased=erased,
        erased_at=filed.erased_at,
        erasure_reason="request" if erased else None,
        identity=None if erased or complainant.anonymous else identity,
        description=None if erased else submission.description,
        respondent_name=None if erased else submission.respondent.name,
        contact=None if erased or contact.is_empty() else contact,
    )
