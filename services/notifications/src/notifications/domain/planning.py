"""Who is told what for each event: the complainant or an institution, the kind, the words.

Pure: each event becomes a list of `Owed`, naming recipients by id (`complainant` or an
institution id) and never by address. Which channels carry each one (the complainant's email
and SMS if they gave them, an institution's inbox, mailboxes and webhooks) is decided where
those are known; `complainant_channels` holds the rule for the complainant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nowrongdoor.contracts.events import (
    CaseDeadlineBreached,
    CaseInvitationSent,
    CaseMessagePosted,
    CaseOpened,
    CaseStatusChanged,
    CaseTransferred,
    ComplaintContactChanged,
    ComplaintTriageRequired,
    Event,
)

COMPLAINANT = "complainant"

EMAIL = "email"
SMS = "sms"
WEBHOOK = "webhook"
INSTITUTION_INBOX = "institution-inbox"
TRACKING_PAGE = "tracking-page"
SENT_CHANNELS = (EMAIL, SMS, WEBHOOK)
"""The channels that leave the platform, sent by the dispatcher and announced when they did."""

ACKNOWLEDGEMENT = "acknowledgement"
CASE_OPENED = "case-opened"
STATUS_CHANGED = "status-changed"
MESSAGE_RECEIVED = "message-received"
DEADLINE_BREACHED = "deadline-breached"
TRIAGE_WAITING = "triage-waiting"
TRANSFERRED_IN = "transferred-in"
TRANSFERRED_OUT = "transferred-out"
INVITATION_RECEIVED = "invitation-received"
ENDPOINT_DISABLED = "endpoint-disabled"

Audience = Literal["complainant", "institution"]


@dataclass(frozen=True)
class Owed:
    """One thing one recipient must be told because of one event."""

    audience: Audience
    recipient: str
    """`complainant`, or an institution id."""
    kind: str
    details: dict[str, Any] = field(default_factory=dict)
    webhook_only: bool = False
    """Followed by the institution's webhooks only: nothing for its inbox or mailboxes."""


def complainant_channels(kind: str, *, email: bool, phone: bool) -> list[str]:
    """The channels that tell the complainant `kind`, given the addresses they left.

    An opened case shows on the tracking page, which everyone can read with their receipt.
    """
    if kind == CASE_OPENED:
        return [TRACKING_PAGE]
    return [channel for channel, given in ((EMAIL, email), (SMS, phone)) if given]


def plan(event: Event) -> list[Owed]:
    """Everyone `event` calls to be told, once each, in a stable order."""
    match event:
        case ComplaintContactChanged(change="submitted"):
            return [_complainant(ACKNOWLEDGEMENT)]
        case ComplaintTriageRequired():
            return [_triage_waiting(event)]
        case CaseOpened():
            return _case_opened(event)
        case CaseStatusChanged():
            return _status_changed(event)
        case CaseTransferred():
            return _transferred(event)
        case CaseMessagePosted():
            return _message_posted(event)
        case CaseDeadlineBreached():
            details = {
                "standard": str(event.standard),
                "due": event.due.isoformat(),
                "institution": event.institution_id,
            }
            return [
                _complainant(DEADLINE_BREACHED, details),
                _institution(event.institution_id, DEADLINE_BREACHED, details),
            ]
        case CaseInvitationSent():
            return [
                _institution(
                    event.institution_id,
                    INVITATION_RECEIVED,
                    {"from_institution": event.from_institution_id},
                )
            ]
    return []


def _complainant(kind: str, details: dict[str, Any] | None = None) -> Owed:
    return Owed("complainant", COMPLAINANT, kind, dict(details or {}))


def _institution(
    institution_id: str, kind: str, details: dict[str, Any], *, webhook_only: bool = False
) -> Owed:
    return Owed("institution", institution_id, kind, dict(details), webhook_only=webhook_only)


def _triage_waiting(event: ComplaintTriageRequired) -> Owed:
    names = {event.triage_institution_id: event.triage_institution_name}
    return _institution(
        event.triage_institution_id,
        TRIAGE_WAITING,
        {
            "institution": event.triage_institution_id,
            "institution_ids": list(event.candidates),
            "institution_names": names,
            "reason": event.reason,
        },
    )


def _case_opened(event: CaseOpened) -> list[Owed]:
    details = {"status": str(event.status), "institution_ids": list(event.institution_ids)}
    owed = [_institution(i, CASE_OPENED, details) for i in event.institution_ids]
    owed.append(_complainant(CASE_OPENED, details))
    if event.received_by and event.received_by not in event.institution_ids:
        owed.append(
            _institution(
                event.received_by,
                TRANSFERRED_OUT,
                details | {"from_institution": event.received_by},
            )
        )
    return owed


def _status_changed(event: CaseStatusChanged) -> list[Owed]:
    details: dict[str, Any] = {
        "status": str(event.status),
        "institution_ids": list(event.institution_ids),
    }
    if event.previous_status is not None:
        details["previous_status"] = str(event.previous_status)
    # The complainant hears what comes next and by when; the institutions know their own dates.
    promised = [
        {"standard": str(p.standard), "due": p.due.isoformat(), "institution": p.institution_id}
        for p in event.promised
    ]
    told = details | {"promised": promised} if promised else details
    # Institutions made the change themselves; only their webhooks follow it.
    return [_complainant(STATUS_CHANGED, told)] + [
        _institution(i, STATUS_CHANGED, details, webhook_only=True) for i in event.institution_ids
    ]


def _transferred(event: CaseTransferred) -> list[Owed]:
    details: dict[str, Any] = {"from_institution": event.from_institution_id}
    if event.to_institution_id is not None:
        details["to_institution"] = event.to_institution_id
    owed = [_institution(event.from_institution_id, TRANSFERRED_OUT, details)]
    if event.to_institution_id is not None and event.to_institution_id != event.from_institution_id:
        owed.append(_institution(event.to_institution_id, TRANSFERRED_IN, details))
    return owed


def _message_posted(event: CaseMessagePosted) -> list[Owed]:
    """The complainant hears of messages written to them, and so does the NGO that relayed the
    alert; institutions of those written by the complainant (or that NGO for them) or by another
    institution of the case; an internal note tells nobody."""
    if event.audience == "internal":
        return []
    details: dict[str, Any] = {"from": event.author, "institution_ids": list(event.institution_ids)}
    if event.institution_id is not None:
        details["institution"] = event.institution_id
    owed: list[Owed] = []
    if event.author == "institution" and event.audience == "complainant":
        owed.append(_complainant(MESSAGE_RECEIVED, details))
        if event.relay_ngo_id is not None:
            # The NGO that relayed the alert passes it on to the person, who may have left it
            # no other way to be reached; it hears through its inbox and webhooks.
            owed.append(_institution(event.relay_ngo_id, MESSAGE_RECEIVED, details))
    writer = event.institution_id if event.author == "institution" else None
    owed.extend(
        _institution(i, MESSAGE_RECEIVED, details) for i in event.institution_ids if i != writer
    )
    return owed
