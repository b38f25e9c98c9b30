"""Every event type the platform knows, and the stream each travels on."""

from __future__ import annotations

from nowrongdoor.contracts.accreditation_events import (
    AccreditationApplied,
    AccreditationGranted,
    AccreditationRefused,
    AccreditationReinstated,
    AccreditationRenewed,
    AccreditationRevoked,
    AccreditationSuspended,
)
from nowrongdoor.contracts.events import (
    CaseAcknowledged,
    CaseAdmissibilityDecided,
    CaseAwaitingComplainant,
    CaseClosed,
    CaseDeadlineBreached,
    CaseInvestigationStarted,
    CaseInvitationAnswered,
    CaseInvitationSent,
    CaseMessagePosted,
    CaseOpened,
    CasePartLeft,
    CaseResolved,
    CaseResumed,
    CaseStatusChanged,
    CaseTransferred,
    CaseWithdrawn,
    ComplaintContactChanged,
    ComplaintPersonalDataRemoved,
    ComplaintReceived,
    ComplaintResubmitted,
    ComplaintRouted,
    ComplaintTriageRequired,
    Event,
    NotificationDelivered,
    NotificationFailed,
)

EVENT_TYPES: tuple[type[Event], ...] = (
    ComplaintReceived,
    ComplaintResubmitted,
    ComplaintRouted,
    ComplaintTriageRequired,
    CaseOpened,
    CaseStatusChanged,
    CaseAcknowledged,
    CaseAdmissibilityDecided,
    CaseInvestigationStarted,
    CaseAwaitingComplainant,
    CaseResumed,
    CaseResolved,
    CaseClosed,
    CaseWithdrawn,
    CaseTransferred,
    CaseMessagePosted,
    CaseDeadlineBreached,
    CaseInvitationSent,
    CaseInvitationAnswered,
    CasePartLeft,
    ComplaintPersonalDataRemoved,
    ComplaintContactChanged,
    NotificationDelivered,
    NotificationFailed,
    AccreditationApplied,
    AccreditationGranted,
    AccreditationRefused,
    AccreditationSuspended,
    AccreditationReinstated,
    AccreditationRenewed,
    AccreditationRevoked,
)
EVENTS_BY_TYPE: dict[str, type[Event]] = {cls.type: cls for cls in EVENT_TYPES}

# Streams and the subjects each one holds; DEADLETTER keeps what consumers gave up on.
STREAMS: dict[str, list[str]] = {
    "COMPLAINTS": ["complaint.>"],
    "CASES": ["case.>"],
    "NOTIFICATIONS": ["notification.>"],
    "ACCREDITATIONS": ["accreditation.>"],
    "DEADLETTER": ["deadletter.>"],
}
