"""How each step of a case reads on its timeline: the platform's words, then any reason given."""

from __future__ import annotations

from nowrongdoor.contracts.events import ComplaintRouted
from nowrongdoor.contracts.vocabulary import CaseOutcome, CaseStatus, RoutingOutcome


def received(door_name: str | None) -> str:
    """The first entry, naming the door the complaint came through."""
    door = f"by {door_name}" if door_name else "through the joint portal"
    return f"Received {door}"


def decided(routed: ComplaintRouted) -> str:
    """Routing's decision: where the case went, or why it went nowhere."""
    if routed.outcome == RoutingOutcome.COMPETENT:
        parts = [
            f"{c.name}{f' ({c.office_name})' if c.office_name else ''}"
            + (" (lead)" if c.role == "lead" and len(routed.competent) > 1 else "")
            for c in routed.competent
        ]
        moved = routed.received_by is not None and routed.received_by not in {
            c.institution_id for c in routed.competent
        }
        door = routed.received_by_name or routed.received_by
        verb = f"Transferred from {door} to" if moved else "Routed to"
        return f"{verb} {', '.join(parts)}"
    if routed.outcome == RoutingOutcome.PREREQUISITE_MISSING:
        return "Not admissible yet: a prerequisite is missing (see the advice)"
    return "No participating institution is competent (see the advice)"


def awaiting_triage(desk_name: str) -> str:
    return f"Awaiting a decision on competence by {desk_name}"


_STEP_WORDS = {
    CaseStatus.ACKNOWLEDGED: "Acknowledged by {name}",
    CaseStatus.ADMISSIBLE: "Found admissible by {name}",
    CaseStatus.INADMISSIBLE: "Found inadmissible by {name}",
    CaseStatus.INVESTIGATING: "Under investigation by {name}",
    CaseStatus.AWAITING_COMPLAINANT: "{name} awaits the complainant's answer",
    CaseStatus.RESOLVED: "Resolved by {name}",
    CaseStatus.CLOSED: "Closed by {name}",
}


def stepped(name: str, status: CaseStatus, *, resumed: bool = False) -> str:
    """An institution moved its part on; the reason, if any, follows as the entry's note."""
    if resumed:
        return f"{name} resumed its work on the case"
    return _STEP_WORDS[status].format(name=name)


def resolved(name: str, outcome: CaseOutcome) -> str:
    return f"Resolved by {name} ({_OUTCOME_WORDS[outcome]})"


_OUTCOME_WORDS = {
    CaseOutcome.UPHELD: "upheld",
    CaseOutcome.PARTLY_UPHELD: "partly upheld",
    CaseOutcome.NOT_UPHELD: "not upheld",
    CaseOutcome.MEDIATED: "settled by mediation",
    CaseOutcome.WITHDRAWN: "withdrawn",
}


def transferred(from_name: str, to_name: str | None) -> str:
    """A part handed on after opening, to a named institution or back to routing."""
    if to_name is None:
        return f"Transferred by {from_name}: a new decision on competence is awaited"
    return f"Transferred from {from_name} to {to_name}"


def withdrawn() -> str:
    return "Withdrawn by the complainant"


def with_note(summary: str, note: str | None) -> str:
    """An entry as read: the platform's words, then the reason its author gave."""
    return f"{summary}: {note}" if note else summary


_SENT_BY = {"email": "an email", "sms": "a text message"}


def notice(channel: str, *, delivered: bool, institution_name: str | None = None) -> str:
    """What the platform sent, or could not send, to the complainant (`institution_name` None)
    or to an institution; never the address."""
    what = _SENT_BY[channel]
    if institution_name is None:
        return (
            f"{what.capitalize()} was sent to you" if delivered else f"We could not send you {what}"
        )
    if delivered:
        return f"{what.capitalize()} was sent to {institution_name}"
    return f"We could not send {what} to {institution_name}"


def notice_channel(channel: str) -> bool:
    """Whether a delivery on this channel is told on the timeline: what really left the platform
    for a person or a mailbox."""
    return channel in _SENT_BY
