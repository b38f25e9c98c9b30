"""How each step of a case reads on its timeline: written by the platform, never free text."""

from __future__ import annotations

from nowrongdoor.contracts.events import ComplaintRouted
from nowrongdoor.contracts.vocabulary import RoutingOutcome


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
