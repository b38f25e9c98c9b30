"""Whether an accreditation carries an alert: in force on the day, and covering what it is about.

An NGO's alert names the accreditation it relies on. It is taken only while that accreditation is
granted and unexpired, for a category and a territory its scope covers (a territory covers what
lies inside it). Once routed, each competent institution is marked as accrediting the NGO for the
alert or not: the alert is routed all the same. Pure: the caller says what day it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from nowrongdoor.contracts.vocabulary import AccreditationStatus
from routing.domain.accreditation import Problem, status_on

S = AccreditationStatus


@dataclass(frozen=True)
class Held:
    """An accreditation as reliance reads it."""

    institution_id: str
    status: AccreditationStatus
    expires_on: date | None
    categories: Sequence[str]
    territories: Sequence[str]


class NotInForce(Exception):
    """The accreditation is not granted today; `status` says where it stands."""

    def __init__(self, status: AccreditationStatus, expires_on: date | None) -> None:
        self.status = status
        self.expires_on = expires_on
        super().__init__(_NOT_IN_FORCE[status].format(expires_on=expires_on))


_NOT_IN_FORCE = {
    S.APPLIED: "The accreditation has been applied for and is not granted yet.",
    S.REFUSED: "The accreditation was refused.",
    S.SUSPENDED: "The accreditation is suspended by the institution that granted it.",
    S.REVOKED: "The accreditation was revoked by the institution that granted it.",
    S.EXPIRED: "The accreditation expired after {expires_on}; it must be renewed.",
}


class OutOfScope(ValueError):
    """The alert is about something the accreditation does not cover; `problems` says what."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = list(problems)


def covers(held: Held, category: str, territory_chain: Iterable[str]) -> bool:
    return category in held.categories and not set(held.territories).isdisjoint(territory_chain)


def check(held: Held, category: str, territory_chain: Sequence[str], today: date) -> None:
    """Raise `NotInForce` or `OutOfScope` unless `held` carries an alert about these facts."""
    status = status_on(held.status, held.expires_on, today)
    if status != S.GRANTED:
        raise NotInForce(status, held.expires_on)
    problems = []
    if category not in held.categories:
        covered = ", ".join(held.categories)
        problems.append(Problem("category", f"'{category}' is not covered; it covers {covered}"))
    if set(held.territories).isdisjoint(territory_chain):
        covered = ", ".join(held.territories)
        problems.append(
            Problem(
                "respondent.territory",
                f"'{territory_chain[0]}' is not covered; it covers {covered}",
            )
        )
    if problems:
        raise OutOfScope(problems)


def accrediting(
    held: Iterable[Held], category: str, territory_chain: Sequence[str], today: date
) -> set[str]:
    """The institutions whose accreditation of the NGO, in force today, covers these facts."""
    return {
        h.institution_id
        for h in held
        if status_on(h.status, h.expires_on, today) == S.GRANTED
        and covers(h, category, territory_chain)
    }
