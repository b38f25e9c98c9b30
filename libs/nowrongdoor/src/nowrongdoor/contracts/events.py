"""Event contracts: what travels on the bus, and nothing else.

Every event is past tense, versioned in its type name, and data only. Within one version fields
are only ever added, so consumers ignore what they do not know. No event carries clear-text
personal data: identity, contact details and free text stay encrypted in the service that owns them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from nowrongdoor.contracts.vocabulary import (
    REFERENCE_FIELD,
    CaseOutcome,
    CaseStatus,
    Category,
    Channel,
    ComplainantRole,
    DecidedOutcome,
    Language,
    MessageAudience,
    PartRole,
    RespondentType,
    ServiceStandard,
)


class Event(BaseModel):
    """Base of every event payload. `type` and `subject` say where it travels."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: ClassVar[str]
    subject: ClassVar[str]
    stream: ClassVar[str]


class RelayingNgo(BaseModel):
    """The NGO that brought an alert on behalf of someone who stays anonymous to the institution.

    An organisation, never a person: its id and name travel on the bus like an institution's.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    ngo_id: str = Field(examples=["fr-sherpa"])
    ngo_name: str | None = Field(None, examples=["Sherpa"])
    accreditation_id: str | None = Field(
        None,
        description="The accreditation the alert relies on; the alert is verified when present",
        examples=["acc-3f2a9c1d7e4b4a0c9d8e7f6a5b4c3d2e"],
    )
    accredited_by: str | None = Field(
        None, description="The institution that granted that accreditation", examples=["fr-hatvp"]
    )

    @property
    def verified(self) -> bool:
        return self.accreditation_id is not None


class ComplaintFacts(BaseModel):
    """The structured facts competence routing decides on; never who the complainant is."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    category: Category
    respondent_type: RespondentType
    respondent_territory: str = Field(examples=["MA-06"])
    complainant_role: ComplainantRole
    anonymous: bool
    administration_contacted: bool
    court_case_pending: bool
    language: Language
    received_by: str | None = Field(None, description="The institution whose door it came through")
    channel: Channel
    relayed_by: RelayingNgo | None = Field(
        None, description="The NGO that relayed it, when it came through an NGO"
    )


class ComplaintReceived(Event):
    type: ClassVar[str] = "org.nowrongdoor.complaint.received.v1"
    subject: ClassVar[str] = "complaint.received"
    stream: ClassVar[str] = "COMPLAINTS"

    reference: str = REFERENCE_FIELD
    received_at: datetime
    facts: ComplaintFacts


class ComplaintResubmitted(Event):
    """The complainant came back under the same reference having met a missing prerequisite."""

    type: ClassVar[str] = "org.nowrongdoor.complaint.resubmitted.v1"
    subject: ClassVar[str] = "complaint.resubmitted"
    stream: ClassVar[str] = "COMPLAINTS"

    reference: str = REFERENCE_FIELD
    received_at: datetime = Field(description="When the complaint was first received")
    resubmitted_at: datetime
    facts: ComplaintFacts


class ServiceStandardsDays(BaseModel):
    """The business days an institution promises for each step."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    acknowledge_days: int = Field(ge=0)
    admissibility_days: int = Field(ge=0)
    resolve_days: int = Field(ge=0)


class CompetentInstitution(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    institution_id: str
    name: str
    office_id: str | None = None
    office_name: str | None = None
    role: PartRole
    service_standards: ServiceStandardsDays | None = Field(
        None, description="What the institution promises, from the directory the decision used"
    )
    calendar: str | None = Field(
        None,
        description="The country whose business days its promises count in (ISO 3166-1)",
        examples=["MA"],
    )
    closing_days: list[date] = Field(
        [],
        description="Days the institution is closed besides its calendar's public holidays; "
        "its promises do not count them",
        examples=[["2026-12-31"]],
    )
    relay_accredited: bool | None = Field(
        None,
        description="For an alert an NGO relayed: whether this institution accredits that NGO for "
        "it (an alert is routed all the same when it does not); None when no NGO relayed it",
    )


class ComplaintRouted(Event):
    """Routing decided. `outcome` says whether there is an institution, or only advice."""

    type: ClassVar[str] = "org.nowrongdoor.complaint.routed.v1"
    subject: ClassVar[str] = "complaint.routed"
    stream: ClassVar[str] = "COMPLAINTS"

    reference: str = REFERENCE_FIELD
    decision_id: str
    registry_version: str
    outcome: DecidedOutcome
    competent: list[CompetentInstitution]
    received_by: str | None = None
    received_by_name: str | None = None
    matched_rules: list[str]
    excluding_rules: list[str]
    advice: str | None = Field(None, description="Advice code when no case can be opened")
    language: Language
    received_at: datetime
    decided_at: datetime
    triaged_by: str | None = Field(
        None, description="The triage institution that decided, when the engine could not"
    )
    relayed_by: RelayingNgo | None = Field(
        None, description="The NGO that relayed the alert, when one did"
    )
    explanation: str | None = Field(
        None,
        description="The decision in plain words, in the complainant's language; written by the "
        "platform from the directory, never containing anything the complainant wrote",
    )
    territory_path: list[str] = Field(
        default_factory=list,
        description="The respondent's territory and every territory containing it, widest "
        "first, as the directory the decision used knows them; empty from older producers",
        examples=[["MA", "MA-06", "MA-CAS"]],
    )


class ComplaintTriageRequired(Event):
    """Routing could not decide; a person at the receiving institution must."""

    type: ClassVar[str] = "org.nowrongdoor.complaint.triage-required.v1"
    subject: ClassVar[str] = "complaint.triage-required"
    stream: ClassVar[str] = "COMPLAINTS"

    reference: str = REFERENCE_FIELD
    decision_id: str
    registry_version: str
    triage_institution_id: str
    triage_institution_name: str
    reason: str
    candidates: list[str]
    language: Language
    received_at: datetime
    decided_at: datetime
    explanation: str | None = Field(
        None, description="Why triage is needed, in plain words in the complainant's language"
    )


class CaseOpened(Event):
    type: ClassVar[str] = "org.nowrongdoor.case.opened.v1"
    subject: ClassVar[str] = "case.opened"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    status: CaseStatus
    institution_ids: list[str]
    lead_institution_id: str | None
    language: Language
    opened_at: datetime
    received_by: str | None = Field(
        None, description="The participating institution whose door it came through, if any"
    )


class NextPromise(BaseModel):
    """The next step one institution promised on a case, and the day it promised it by."""

    institution_id: str
    standard: ServiceStandard
    due: date = Field(description="The last day of the promise, in the institution's own time")


class CaseStatusChanged(Event):
    """A case group moved to another status, or was opened in one; facts only, never free text."""

    type: ClassVar[str] = "org.nowrongdoor.case.status-changed.v1"
    subject: ClassVar[str] = "case.status-changed"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    status: CaseStatus = Field(examples=["closed"])
    previous_status: CaseStatus | None = Field(
        None, description="None when the case group was opened in this status"
    )
    institution_ids: list[str] = Field(description="The institutions taking part in the case")
    changed_at: datetime
    promised: list[NextPromise] = Field(
        default_factory=list,
        description="Each taking part's next promised step after the change; none while paused",
    )


class CaseStepTaken(Event):
    """Base of the events that name one lifecycle step; `case.status-changed` is sent as well."""

    reference: str = REFERENCE_FIELD
    institution_id: str | None = Field(
        None, description="The institution whose part took the step; none for the whole case"
    )
    status: CaseStatus
    previous_status: CaseStatus | None
    at: datetime


class CaseAcknowledged(CaseStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.case.acknowledged.v1"
    subject: ClassVar[str] = "case.acknowledged"
    stream: ClassVar[str] = "CASES"


class CaseAdmissibilityDecided(CaseStepTaken):
    """`status` says which: admissible or inadmissible."""

    type: ClassVar[str] = "org.nowrongdoor.case.admissibility-decided.v1"
    subject: ClassVar[str] = "case.admissibility-decided"
    stream: ClassVar[str] = "CASES"


class CaseInvestigationStarted(CaseStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.case.investigation-started.v1"
    subject: ClassVar[str] = "case.investigation-started"
    stream: ClassVar[str] = "CASES"


class CaseAwaitingComplainant(CaseStepTaken):
    """The institution waits for the complainant; its clocks are paused."""

    type: ClassVar[str] = "org.nowrongdoor.case.awaiting-complainant.v1"
    subject: ClassVar[str] = "case.awaiting-complainant"
    stream: ClassVar[str] = "CASES"


class CaseResumed(CaseStepTaken):
    """The wait for the complainant is over; the clocks run again."""

    type: ClassVar[str] = "org.nowrongdoor.case.resumed.v1"
    subject: ClassVar[str] = "case.resumed"
    stream: ClassVar[str] = "CASES"


class CaseResolved(CaseStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.case.resolved.v1"
    subject: ClassVar[str] = "case.resolved"
    stream: ClassVar[str] = "CASES"

    outcome: CaseOutcome


class CaseClosed(CaseStepTaken):
    """The case, or one institution's part of it, is closed; retention counts from the case's."""

    type: ClassVar[str] = "org.nowrongdoor.case.closed.v1"
    subject: ClassVar[str] = "case.closed"
    stream: ClassVar[str] = "CASES"


class CaseWithdrawn(CaseStepTaken):
    """The complainant withdrew the complaint; retention counts from now."""

    type: ClassVar[str] = "org.nowrongdoor.case.withdrawn.v1"
    subject: ClassVar[str] = "case.withdrawn"
    stream: ClassVar[str] = "CASES"


class CaseTransferred(Event):
    """An institution declined competence after opening and handed its part on."""

    type: ClassVar[str] = "org.nowrongdoor.case.transferred.v1"
    subject: ClassVar[str] = "case.transferred"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    from_institution_id: str
    to_institution_id: str | None = Field(
        None, description="The institution named as competent; none when routing decides again"
    )
    facts: ComplaintFacts | None = Field(
        None, description="What routing needs to decide again, when no institution was named"
    )
    taking_part: list[str] | None = Field(
        None,
        description="The institutions whose parts go on after the transfer, those that joined "
        "by invitation included; none from a producer that did not say",
    )
    at: datetime


class CaseMessagePosted(Event):
    """A message was written in a case; who may read it, never what it says."""

    type: ClassVar[str] = "org.nowrongdoor.case.message-posted.v1"
    subject: ClassVar[str] = "case.message-posted"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    message_id: str
    author: Literal["complainant", "institution"]
    institution_id: str | None = Field(None, description="The writing institution, if any")
    audience: MessageAudience
    institution_ids: list[str] = Field(description="The institutions taking part in the case")
    posted_at: datetime = Field(description="To the minute")
    relay_ngo_id: str | None = Field(
        None,
        description="The NGO that relayed the alert and follows the case for the person, unless "
        "an institution withdrew it: it is told of what is written to the person's side",
    )


class CaseDeadlineBreached(Event):
    """A service-standard date passed with its step not taken; sent once per part and step."""

    type: ClassVar[str] = "org.nowrongdoor.case.deadline-breached.v1"
    subject: ClassVar[str] = "case.deadline-breached"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    institution_id: str
    standard: ServiceStandard
    due: date
    breached_at: datetime


class CaseInvitationSent(Event):
    """An institution of a joint case asked another to take part in it."""

    type: ClassVar[str] = "org.nowrongdoor.case.invitation-sent.v1"
    subject: ClassVar[str] = "case.invitation-sent"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    invitation_id: str
    from_institution_id: str
    institution_id: str = Field(description="The institution invited")
    at: datetime


class CaseInvitationAnswered(Event):
    """The institution invited took its part in the case, or declined to."""

    type: ClassVar[str] = "org.nowrongdoor.case.invitation-answered.v1"
    subject: ClassVar[str] = "case.invitation-answered"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    invitation_id: str
    from_institution_id: str
    institution_id: str = Field(description="The institution that answered")
    accepted: bool
    at: datetime


class CasePartLeft(Event):
    """An institution left a joint case it is not competent for; the others carry on."""

    type: ClassVar[str] = "org.nowrongdoor.case.part-left.v1"
    subject: ClassVar[str] = "case.part-left"
    stream: ClassVar[str] = "CASES"

    reference: str = REFERENCE_FIELD
    institution_id: str
    lead_institution_id: str | None = Field(
        None, description="The lead institution after it left; another takes the lead if it led"
    )
    at: datetime


class ComplaintPersonalDataRemoved(Event):
    """A complaint's personal data was removed, past its retention or at the person's request.

    Every service holding personal data of the case removes its own; the facts stay.
    """

    type: ClassVar[str] = "org.nowrongdoor.complaint.personal-data-removed.v1"
    subject: ClassVar[str] = "complaint.personal-data-removed"
    stream: ClassVar[str] = "COMPLAINTS"

    reference: str = REFERENCE_FIELD
    reason: Literal["retention", "erasure"]
    removed_at: datetime


class ComplaintContactChanged(Event):
    """The complainant gave, changed or removed the addresses they want to be told at.

    The addresses travel sealed under the contact-transport keys (`nowrongdoor.contacts`), which
    only intake and notifications hold; the bus never carries them in clear.
    """

    type: ClassVar[str] = "org.nowrongdoor.complaint.contact-changed.v1"
    subject: ClassVar[str] = "complaint.contact-changed"
    stream: ClassVar[str] = "COMPLAINTS"

    reference: str = REFERENCE_FIELD
    change: Literal["submitted", "added", "removed"] = Field(
        description="Given with the complaint, added or changed later, or removed"
    )
    sealed_contact: str | None = Field(
        None, description="The sealed `ContactDetails`; absent when the complainant removed them"
    )
    language: Language
    at: datetime


class NotificationDelivered(Event):
    type: ClassVar[str] = "org.nowrongdoor.notification.delivered.v1"
    subject: ClassVar[str] = "notification.delivered"
    stream: ClassVar[str] = "NOTIFICATIONS"

    delivery_id: str
    reference: str = REFERENCE_FIELD
    recipient: str = Field(description="An institution id, or `complainant`; never an address")
    channel: str
    cause_event_id: str
    kind: str | None = Field(
        None,
        description="What the person was told, e.g. `status-changed`",
        examples=["case-opened"],
    )
    delivered_at: datetime


class NotificationFailed(Event):
    type: ClassVar[str] = "org.nowrongdoor.notification.failed.v1"
    subject: ClassVar[str] = "notification.failed"
    stream: ClassVar[str] = "NOTIFICATIONS"

    delivery_id: str
    reference: str = REFERENCE_FIELD
    recipient: str
    channel: str
    cause_event_id: str
    kind: str | None = Field(None, description="What the person was to be told")
    reason: str = Field(description="Why it could not be delivered, never naming an address")
    failed_at: datetime
