"""The services behind the gateway, standing in as their typed clients from `nowrongdoor.contracts`.

Each fake subclasses the real client and answers its methods from memory with the contract's
models, so a contract that changes breaks the fake where mypy can see it. Every call is recorded
with the `Principal` it was made for; a service marked down raises `ServiceUnavailable`, and a
refusal is the `ServiceProblem` the real client would raise.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.upstreams import Upstreams
from nowrongdoor.contracts.intake import IncomingComplaint

from .intake import FakeIntake, Filed
from .joining import FakeJointCases
from .notifications import FakeNotifications
from .routing import FakeRouting
from .stand_in import Call, Switchboard
from .statistics import FakeStatistics

__all__ = ["Call", "FakeServices", "Filed", "complaint"]


class FakeServices:
    """Intake, routing, case-tracking and notifications, in memory, sharing one switchboard."""

    def __init__(self) -> None:
        self.switchboard = Switchboard()
        self.cases_open_at_once = True
        """Whether case-tracking has opened a case by the time anyone follows it."""
        self.intake = FakeIntake(self.switchboard, on_filed=self._filed)
        self.routing = FakeRouting(self.switchboard)
        self.cases = FakeJointCases(self.switchboard)
        self.notifications = FakeNotifications(self.switchboard)
        self.statistics = FakeStatistics(self.switchboard)

    def upstreams(self) -> Upstreams:
        return Upstreams(
            intake=self.intake,
            routing=self.routing,
            cases=self.cases,
            notifications=self.notifications,
            statistics=self.statistics,
        )

    def _filed(self, reference: str, complaint: IncomingComplaint) -> None:
        # What the bus tells case-tracking when intake has received a complaint.
        if self.cases_open_at_once:
            submission = complaint.submission
            self.cases.opened(
                reference,
                submission.language,
                category=submission.category,
                territory=submission.respondent.territory,
            )

    @property
    def down(self) -> set[str]:
        """Names of the services that do not answer: intake, routing, case-tracking…"""
        return self.switchboard.down

    @property
    def submissions(self) -> dict[str, Filed]:
        return self.intake.submissions

    @property
    def calls(self) -> list[Call]:
        return self.switchboard.calls

    def count(self, operation: str) -> int:
        """How many calls of this client method reached the services."""
        return sum(1 for call in self.switchboard.calls if call.operation == operation)

    def hold(self) -> asyncio.Event:
        """Hold every call at the services until the event returned is set."""
        self.switchboard.gate = asyncio.Event()
        return self.switchboard.gate

    async def held(self) -> None:
        """Until a call is being held."""
        await self.switchboard.holding.wait()


def complaint(**overrides: Any) -> dict[str, Any]:
    """A valid complaint body, anonymous, about a commune in Casablanca-Settat."""
    body: dict[str, Any] = {
        "description": "The commune has not answered my request for five months.",
        "category": "maladministration",
        "respondent": {"name": "Commune", "type": "local-authority", "territory": "MA-06"},
        "complainant": {"role": "citizen", "anonymous": True},
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
    }
    body.update(overrides)
    return body
