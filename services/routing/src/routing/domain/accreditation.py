"""The accreditation lifecycle: which step may follow which, expiry, and what criteria must hold.

An NGO applies; the institution grants or refuses; a granted accreditation may be suspended and
reinstated, renewed, or revoked. `expired` is never stored: a granted accreditation reads expired
once the day after its expiry has begun (UTC), and renewing it brings it back. Pure: the caller
says what day it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from nowrongdoor.contracts.accreditations import AccreditationAction, Criterion, CriterionAnswer
from nowrongdoor.contracts.vocabulary import AccreditationStatus

S = AccreditationStatus

STEPS: Mapping[AccreditationStatus, tuple[AccreditationAction, ...]] = {
    S.APPLIED: ("grant", "refuse"),
    S.GRANTED: ("suspend", "renew", "revoke"),
    S.SUSPENDED: ("reinstate", "revoke"),
    S.EXPIRED: ("renew",),
    S.REFUSED: (),
    S.REVOKED: (),
}
"""The steps the granting institution may take from each status, in lifecycle order."""

AFTER: Mapping[AccreditationAction, AccreditationStatus] = {
    "apply": S.APPLIED,
    "grant": S.GRANTED,
    "refuse": S.REFUSED,
    "suspend": S.SUSPENDED,
    "reinstate": S.GRANTED,
    "renew": S.GRANTED,
    "revoke": S.REVOKED,
}
"""The status each step leaves an accreditation in."""


class IllegalStep(Exception):
    """A step the accreditation may not take from where it stands; `allowed` are those it may."""

    def __init__(
        self,
        current: AccreditationStatus,
        requested: AccreditationAction,
        allowed: Sequence[AccreditationAction],
    ) -> None:
        self.current = current
        self.requested = requested
        self.allowed = list(allowed)
        steps = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"An accreditation that is {current} cannot be {PAST[requested]}. "
            f"Allowed next steps: {steps}."
        )


PAST: Mapping[AccreditationAction, str] = {
    "apply": "applied for",
    "grant": "granted",
    "refuse": "refused",
    "suspend": "suspended",
    "reinstate": "reinstated",
    "renew": "renewed",
    "revoke": "revoked",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with what a caller sent: which field, and why."""

    field: str
    message: str


class Rejected(ValueError):
    """What was sent cannot be used; `problems` names each reason. Nothing changes."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = list(problems)


def status_on(stored: AccreditationStatus, expires_on: date | None, today: date) -> S:
    """The status as read today: a granted accreditation past its last day has expired."""
    if stored == S.GRANTED and expires_on is not None and expires_on < today:
        return S.EXPIRED
    return stored


def allowed_steps(status: AccreditationStatus) -> list[AccreditationAction]:
    return list(STEPS[status])


def step(status: AccreditationStatus, action: AccreditationAction) -> AccreditationStatus:
    """The status after `action`; `IllegalStep` when it may not be taken from `status`."""
    allowed = allowed_steps(status)
    if action not in allowed:
        raise IllegalStep(status, action, allowed)
    return AFTER[action]


def require_future(expires_on: date, today: date) -> None:
    """A grant or a renewal must leave the accreditation holding at least today."""
    if expires_on < today:
        raise Rejected([Problem("expires_on", f"{expires_on} has already passed")])


def check_scope(territories: Iterable[str], known_territories: Collection[str]) -> None:
    unknown = [code for code in dict.fromkeys(territories) if code not in known_territories]
    if unknown:
        raise Rejected(
            [Problem("scope.territories", f"unknown territory {code!r}") for code in unknown]
        )


def check_criteria(criteria: Sequence[Criterion], languages: Sequence[str]) -> None:
    """Each criterion has its own id and a text in every language the institution works in."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, criterion in enumerate(criteria):
        if criterion.id in seen:
            problems.append(Problem(f"criteria[{position}].id", f"{criterion.id!r} is repeated"))
        seen.add(criterion.id)
        texts = {str(language): text for language, text in criterion.text.items()}
        missing = [language for language in languages if not texts.get(language, "")]
        if missing:
            problems.append(
                Problem(
                    f"criteria[{position}].text",
                    f"no text in {', '.join(missing)}, a language of the institution",
                )
            )
        if any(len(text.strip()) < 3 for text in criterion.text.values()):
            problems.append(Problem(f"criteria[{position}].text", "a text is empty"))
    if problems:
        raise Rejected(problems)


def check_answers(answers: Sequence[CriterionAnswer], criteria: Sequence[Criterion]) -> None:
    """An application answers each published criterion once, and nothing else."""
    published = [criterion.id for criterion in criteria]
    problems: list[Problem] = []
    answered: set[str] = set()
    for position, answer in enumerate(answers):
        if answer.criterion_id not in published:
            problems.append(
                Problem(f"answers[{position}]", f"no criterion {answer.criterion_id!r}")
            )
        elif answer.criterion_id in answered:
            problems.append(
                Problem(f"answers[{position}]", f"{answer.criterion_id!r} is answered twice")
            )
        answered.add(answer.criterion_id)
    for criterion_id in published:
        if criterion_id not in answered:
            problems.append(Problem("answers", f"criterion {criterion_id!r} is not answered"))
    if problems:
        raise Rejected(problems)
