"""A case as each reader of case tracking sees it, and the steps that work it, as sent over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# A message's files are shaped like every other attachment; named here too, as they always were.
from nowrongdoor.contracts.attachments import Attachment as Attachment
from nowrongdoor.contracts.attachments import AttachmentFile as AttachmentFile
from nowrongdoor.contracts.attachments import AttachmentUpload as AttachmentUpload
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import (
    INSTITUTION_ID_PATTERN,
    CaseOutcome,
    CaseStatus,
    Category,
    MessageAudience,
    PartRole,
    ServiceStandard,
)


class TimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(examples=["routed"])
    actor: str = Field(examples=["platform"])
    summary: str = Field(
        description="What happened, in the language the case was read in; a reason its author "
        "gave follows as they wrote it",
        examples=["Plainte transmise à Institution du Médiateur du Royaume"],
    )


class PromisedDate(BaseModel):
    """A step an institution promised to take by a day, and whether it kept the promise."""

    institution_id: str = Field(examples=["ma-mediateur"])
    standard: ServiceStandard = Field(examples=["acknowledge"])
    due: date | None = Field(
        description="The last business day for the step; none while the clock is paused",
        examples=["2026-12-16"],
    )
    met_on: date | None = Field(None, description="When the step was taken, if it was")
    paused: bool = Field(False, description="True while the case waits for the complainant")
    breached: bool = Field(False, description="True once the day passed with the step not taken")


class Message(BaseModel):
    """One message in a case. Its time is to the minute, and nothing in it names the complainant."""

    id: str = Field(examples=["m-01JD8Q3W2M"])
    at: datetime = Field(description="To the minute", examples=["2026-11-02T10:14:00Z"])
    author: Literal["complainant", "institution"]
    institution_id: str | None = Field(None, description="The writing institution, if any")
    relayed_by_ngo: str | None = Field(
        None,
        description="For the complainant's side of an alert an NGO relayed: the NGO that wrote "
        "it on the person's behalf",
        examples=["fr-sherpa"],
    )
    audience: MessageAudience = Field(examples=["complainant"])
    body: str
    attachments: list[Attachment] = Field(default_factory=list)


class CasePart(BaseModel):
    """One institution's part of a case, as the institutions taking part see it."""

    institution_id: str = Field(examples=["ma-mediateur"])
    role: PartRole = Field(examples=["lead"])
    status: CaseStatus = Field(examples=["acknowledged"])
    handler: str | None = Field(None, description="Who at the institution handles it")
    outcome: CaseOutcome | None = None
    outcome_reason: str | None = None
    allowed: list[CaseStatus] = Field(
        default_factory=list, description="The steps this part may take next"
    )
    relay_accredited: bool | None = Field(
        None,
        description="For an alert an NGO relayed: false when this institution has not accredited "
        "that NGO for it (relayed by an NGO not accredited here); None when no NGO relayed it",
    )


class InvitationView(BaseModel):
    """An institution asked to take part in a joint case, and what it answered."""

    id: str = Field(examples=["i-3b9f1c2d4e5a6f70"])
    institution_id: str = Field(examples=["ma-cndh"])
    invited_by: str = Field(examples=["ma-mediateur"])
    status: Literal["pending", "accepted", "declined"]
    at: datetime
    answered_at: datetime | None = None
    reason: str | None = Field(None, description="Why it was asked, in the asking one's words")
    decline_reason: str | None = Field(None, description="Why it declined, once it did")


class CaseView(BaseModel):
    """A case: what the complainant sees with reference and receipt, and an institution in it."""

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: CaseStatus = Field(
        examples=["routed"], description="The whole case; for a joint case, derived from its parts"
    )
    institutions: list[InstitutionSummary]
    advice: str | None = Field(None, examples=["private-dispute"], description="Advice code")
    explanation: str | None = Field(
        None,
        description="Why the case is where it is, in plain words in the complainant's language",
        examples=["L'institution compétente pour votre plainte est : Institution du Médiateur."],
    )
    outcome: CaseOutcome | None = Field(None, description="How the case ended, once resolved")
    outcome_reason: str | None = Field(None, description="Why, in words the complainant reads")
    promised: list[PromisedDate] = Field(
        default_factory=list, description="Every date an institution promised, and its state"
    )
    messages: list[Message] = Field(default_factory=list, description="What this reader may read")
    parts: list[CasePart] | None = Field(
        None, description="Each institution's part; shown to the institutions only"
    )
    invitations: list[InvitationView] | None = Field(
        None, description="Institutions asked to join; shown to the institutions only"
    )
    relayed_by: RelayingNgo | None = Field(
        None,
        description="The NGO that relayed the alert, shown to the institutions; a verified "
        "alert names the accreditation it relied on",
    )
    timeline: list[TimelineEntry]


class StatusChange(BaseModel):
    """An institution moves its part of the case one step on."""

    model_config = ConfigDict(extra="forbid")

    status: CaseStatus = Field(examples=["acknowledged"])
    reason: str | None = Field(
        None,
        max_length=2000,
        description="Why, in words the complainant will read; required for inadmissible and "
        "resolved",
    )
    outcome: CaseOutcome | None = Field(None, description="Required when the status is resolved")
    handler: str | None = Field(None, max_length=200, description="Who handles it from now on")


class Transfer(BaseModel):
    """An institution declines competence and hands its part on."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, description="Told to the complainant")
    to_institution_id: str | None = Field(
        None,
        pattern=INSTITUTION_ID_PATTERN,
        description="The institution believed competent, where a part opens at once. Left out, "
        "routing decides again, never for an institution that declined the case",
    )


class MessageDraft(BaseModel):
    """A message to post in a case."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=10_000)
    attachments: list[AttachmentUpload] = Field(
        default_factory=list, description="Files sent with the message; see the limits"
    )
    audience: MessageAudience = Field(
        "complainant",
        description="An institution may also write to the other institutions of a joint case, "
        "or an internal note; the complainant always writes to the institutions",
    )


class Invitation(BaseModel):
    """An institution of a case asks another to take part in it."""

    model_config = ConfigDict(extra="forbid")

    institution_id: str = Field(pattern=INSTITUTION_ID_PATTERN, examples=["ma-cndh"])
    reason: str = Field(
        min_length=3, max_length=2000, description="Why, for the institution invited to read"
    )


class InvitationAnswer(BaseModel):
    """The institution invited accepts its part, or declines it with a reason."""

    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str | None = Field(
        None, max_length=2000, description="Required to decline; told to the institution inviting"
    )


class Leaving(BaseModel):
    """An institution leaves a joint case it is not competent for."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, description="Told to the complainant")


class Withdrawal(BaseModel):
    """The complainant withdraws the complaint."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=2000)


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


class CaseFilters(BaseModel):
    """What an institution's list may be narrowed to."""

    status: CaseStatus | None = None
    category: str | None = None
    territory: str | None = None
    overdue: bool | None = None
    received_from: datetime | None = None
    received_until: datetime | None = None


class InstitutionCasePage(BaseModel):
    items: list[InstitutionCase]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; absent on the last page"
    )


class FiledRequest(BaseModel):
    """A case as the Open311 facade describes it to an institution that filed it through Open311
    or has a part in it: how it progresses, never what it says nor who complained."""

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: CaseStatus = Field(examples=["routed"], description="The status of the whole case")
    category: Category = Field(examples=["maladministration"])
    institutions: list[InstitutionSummary] = Field(
        description="The institutions with an active part in it, the lead first"
    )
    received_at: datetime
    updated_at: datetime = Field(description="When anything last happened to the case")
    expected: date | None = Field(
        None, description="The earliest promised day not yet met, if any is running"
    )


class FiledRequestFilters(BaseModel):
    """What a list of filed requests may be narrowed to; every filter given must hold."""

    references: list[str] | None = Field(None, description="Only these cases")
    categories: list[Category] | None = None
    received_from: datetime | None = Field(None, description="Inclusive")
    received_until: datetime | None = Field(None, description="Inclusive")
    concluded: bool | None = Field(
        None,
        description="True for cases concluded (inadmissible, resolved, closed or withdrawn), "
        "false for the others",
    )
