"""What happened at each step of a case, kept as facts, and how it reads in the reader's language.

An entry is kept as the key of its wording and the facts that wording names (the institutions,
the outcome, the channel and whether it got through), never as prose alone, so each reader reads
it in their own language when they read it. Institution names are routing's, in the case's
language, passed through as given; a reason a person gave follows as they wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from case_tracking.domain.timeline.words import ENTRIES, LISTING, OUTCOMES, is_language
from nowrongdoor.contracts.events import ComplaintRouted
from nowrongdoor.contracts.vocabulary import CaseOutcome, CaseStatus, Language, RoutingOutcome

ENGLISH: Language = "en"

Facts = dict[str, Any]
"""What an entry's wording names, as JSON: names as given, codes for statuses and outcomes."""


@dataclass(frozen=True)
class Happened:
    """One step of a case: the key of the words that tell it, and the facts they name."""

    wording: str
    facts: Facts = field(default_factory=dict)

    def read(self, language: Language) -> str:
        """As a reader of `language` reads it; a wording the catalogue lacks is a `KeyError`."""
        return ENTRIES[self.wording][language].format_map(_filled(self.facts, language))


def reading_language(asked: Language | None, case_language: str, *, complainant: bool) -> Language:
    """The language one reader reads a case in: the one asked for; else the case's own for the
    complainant, English for everyone else."""
    if asked is not None:
        return asked
    if complainant and is_language(case_language):
        return case_language
    return ENGLISH


def told(wording: str | None, facts: Facts | None, language: Language, *, as_written: str) -> str:
    """An entry as read in `language`. One kept before entries kept their facts, or with a
    wording this version does not know, reads `as_written`: the English it was kept with."""
    words = ENTRIES.get(wording or "", {}).get(language)
    if words is None:
        return as_written
    try:
        return words.format_map(_filled(facts or {}, language))
    except (KeyError, TypeError, ValueError):
        return as_written


def _filled(facts: Facts, language: Language) -> dict[str, str]:
    filled = {name: value for name, value in facts.items() if isinstance(value, str)}
    if "institutions" in facts:
        filled["institutions"] = _listed(facts["institutions"], language)
    if "outcome" in facts:
        filled["outcome"] = OUTCOMES[CaseOutcome(facts["outcome"])][language]
    return filled


def _listed(institutions: list[dict[str, Any]], language: Language) -> str:
    """Each institution by name and office; the lead called so when there are several."""
    named = []
    for institution in institutions:
        name = str(institution["name"])
        if institution.get("office"):
            name = LISTING["office"][language].format(name=name, office=institution["office"])
        if institution.get("lead") and len(institutions) > 1:
            name = LISTING["lead"][language].format(name=name)
        named.append(name)
    return LISTING["separator"][language].join(named)


def with_note(summary: str, note: str | None, language: Language = ENGLISH) -> str:
    """An entry as read: the platform's words, then the reason its author gave as written."""
    if not note:
        return summary
    return LISTING["note"][language].format(summary=summary, note=note)


# -- each step, as the facts it keeps --------------------------------------------------------


def received(door_name: str | None) -> Happened:
    """The first entry, naming the door the complaint came through."""
    if door_name:
        return Happened("received-by", {"door": door_name})
    return Happened("received-through-portal")


def decided(routed: ComplaintRouted) -> Happened:
    """Routing's decision: where the case went, or why it went nowhere."""
    if routed.outcome == RoutingOutcome.COMPETENT:
        institutions = [
            {"name": c.name, "office": c.office_name, "lead": c.role == "lead"}
            for c in routed.competent
        ]
        moved = routed.received_by is not None and routed.received_by not in {
            c.institution_id for c in routed.competent
        }
        if moved:
            door = routed.received_by_name or routed.received_by
            return Happened("routed-from-door", {"door": door, "institutions": institutions})
        return Happened("routed", {"institutions": institutions})
    if routed.outcome == RoutingOutcome.PREREQUISITE_MISSING:
        return Happened("prerequisite-missing")
    return Happened("not-competent")


def awaiting_triage(desk_name: str) -> Happened:
    return Happened("awaiting-triage", {"desk": desk_name})


STEPS = frozenset(
    {
        CaseStatus.ACKNOWLEDGED,
        CaseStatus.ADMISSIBLE,
        CaseStatus.INADMISSIBLE,
        CaseStatus.INVESTIGATING,
        CaseStatus.AWAITING_COMPLAINANT,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    }
)
"""The statuses an institution steps its part into, each with its own words."""


def stepped(name: str, status: CaseStatus, *, resumed: bool = False) -> Happened:
    """An institution moved its part on; the reason, if any, follows as the entry's note."""
    if resumed:
        return Happened("resumed", {"institution": name, "status": status.value})
    return Happened(status.value, {"institution": name, "status": status.value})


def resolved(name: str, outcome: CaseOutcome) -> Happened:
    return Happened(
        "resolved-with-outcome",
        {"institution": name, "status": CaseStatus.RESOLVED.value, "outcome": outcome.value},
    )


def transferred(from_name: str, to_name: str | None) -> Happened:
    """A part handed on after opening, to a named institution or back to routing."""
    if to_name is None:
        return Happened("transferred-to-routing", {"institution": from_name})
    return Happened("transferred-to", {"institution": from_name, "to": to_name})


def withdrawn() -> Happened:
    return Happened("withdrawn")


def invited(by_name: str, invited_name: str) -> Happened:
    return Happened("invited", {"institution": by_name, "invited": invited_name})


def joined(name: str) -> Happened:
    return Happened("joined", {"institution": name})


def declined(name: str) -> Happened:
    """Neutral for the complainant: the reason is for the institution that asked."""
    return Happened("declined", {"institution": name})


def left(name: str) -> Happened:
    """The reason follows as the entry's note: the complainant reads why."""
    return Happened("left", {"institution": name})


CHANNELS = ("email", "sms")
"""What really leaves the platform for a person or a mailbox, and so is told on the timeline."""


def notice(channel: str, *, delivered: bool, institution_name: str | None = None) -> Happened:
    """What the platform sent, or could not send, to the complainant (`institution_name` None)
    or to an institution; never the address."""
    sent = "sent" if delivered else "not-sent"
    facts: Facts = {"channel": channel, "delivered": delivered}
    if institution_name is None:
        return Happened(f"{channel}-{sent}-to-you", facts)
    return Happened(f"{channel}-{sent}-to-institution", facts | {"institution": institution_name})


def notice_channel(channel: str) -> bool:
    """Whether a delivery on this channel is told on the timeline."""
    return channel in CHANNELS
