"""What intake learns from routing's decisions and the case's status, and waiting for a decision.

The handlers run inside the consumer's transaction, which also records the event as handled; when
it commits a decision, the requests waiting for that complaint's decision in this process wake.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from intake import repository
from intake.domain import decisions
from intake.models import Submission
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.contracts.events import (
    CaseInvitationAnswered,
    CasePartLeft,
    CaseStatusChanged,
    CaseTransferred,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.db import SessionMaker
from nowrongdoor.inbox import read_for_batch

log = logging.getLogger(__name__)


class DecisionWaiters:
    """Requests waiting for routing's decision on a complaint, woken when intake commits it.

    The case view learns a decision from the same event as intake does, so a person may act on
    it while intake is a moment behind; their request waits here for the consumer's commit
    rather than asking the database again and again. A decision another replica commits wakes
    nobody here: the waiter then looks once more when its patience runs out.
    """

    def __init__(self, patience: float, arrivals: Arrivals | None = None) -> None:
        self.patience = patience
        self._arrivals = arrivals or Arrivals()

    @property
    def retry_after(self) -> int:
        """Whole seconds to suggest before asking again, when a decision has not come."""
        return max(1, math.ceil(self.patience))

    @property
    def waiting(self) -> int:
        """How many complaints a request in this process waits for a decision on."""
        return self._arrivals.waiting

    async def until_decided(
        self,
        sessions: SessionMaker,
        reference: str,
        worth_waiting: Callable[[Submission | None], bool],
    ) -> None:
        """Return when the submission needs no decision to come, one came, or patience ran out.

        `worth_waiting` says, of the submission as it stands, whether a decision could change
        the answer; the caller reads the submission again afterwards, in its own transaction.
        """

        async def settled() -> Literal[True] | None:
            async with sessions() as session:
                record = await repository.submission(session, reference)
            return None if worth_waiting(record) else True

        await self._arrivals.until(_key(reference), settled, within=self.patience)

    def wake_after_commit(self, session: AsyncSession, reference: str) -> None:
        """Wake whoever waits for this complaint's decision once `session` has committed it."""
        self._arrivals.announce_after_commit(session, _key(reference))


_BATCH = "intake.submissions-of-the-batch"


def _key(reference: str) -> str:
    return f"decision:{reference}"


async def record_decision(
    session: AsyncSession, waiters: DecisionWaiters, routed: ComplaintRouted
) -> None:
    """Learn routing's decision: who is competent, so who may read; wake those waiting for it."""
    record = await _submission_told_of(session, routed.reference, "decision")
    if record is None:
        return
    decisions.learn_decision(record, routed)
    if not decisions.decision_due(record):
        waiters.wake_after_commit(session, record.reference)


async def record_triage(
    session: AsyncSession, waiters: DecisionWaiters, triage: ComplaintTriageRequired
) -> None:
    """Learn that a triage desk must decide: its staff may read; wake those waiting for it."""
    record = await _submission_told_of(session, triage.reference, "triage")
    if record is None:
        return
    decisions.learn_triage(record, triage)
    if not decisions.decision_due(record):
        waiters.wake_after_commit(session, record.reference)


async def record_status(session: AsyncSession, changed: CaseStatusChanged) -> None:
    """Learn the case's status, and when it closed: retention counts from then."""
    record = await _submission_told_of(session, changed.reference, "status")
    if record is None:
        return
    decisions.learn_status(record, changed)


async def record_transfer(session: AsyncSession, transferred: CaseTransferred) -> None:
    """Learn that a part was handed on: who may read the complaint changes with it."""
    record = await _submission_told_of(session, transferred.reference, "transfer")
    if record is None:
        return
    decisions.learn_transfer(record, transferred)


async def record_joining(session: AsyncSession, answered: CaseInvitationAnswered) -> None:
    """Learn that an institution took part in the case at another's invitation, or declined."""
    record = await _submission_told_of(session, answered.reference, "invitation-answered")
    if record is None:
        return
    decisions.learn_joining(record, answered)


async def record_leaving(session: AsyncSession, left: CasePartLeft) -> None:
    """Learn that an institution left the joint case: it no longer reads the complaint."""
    record = await _submission_told_of(session, left.reference, "part-left")
    if record is None:
        return
    decisions.learn_leaving(record, left)


async def _submission_told_of(
    session: AsyncSession, reference: str, news: str
) -> Submission | None:
    """The submission an event is about, locked for the update; None, with a warning, if unknown.

    The first event of a consumer's transaction reads and locks the submissions of all its
    events at once (events about a complaint name its reference as their subject); an event
    about another reads its own."""
    read = await read_for_batch(
        session, _BATCH, lambda references: repository.submissions_for_update(session, references)
    )
    if reference in read:
        record = read[reference]
    else:
        record = await repository.submission(session, reference, for_update=True)
    if record is None:
        log.warning("news of an unknown submission", extra={"reference": reference, "news": news})
    return record
