"""What every fake service shares: the calls it was asked, being down, a gate that holds calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem, ServiceUnavailable
from nowrongdoor.problems import PROBLEM_BASE, FieldProblem, Problem


@dataclass(frozen=True)
class Call:
    """One call the gateway made inward: to which service, what for, on whose behalf, with what."""

    service: str
    operation: str
    caller: Principal
    sent: object = None
    """The contract model handed over, when the call carries one."""
    if_match: str | None = None
    """The entity tag a change was sent with, for the services that take one."""


class Switchboard:
    """Every call made to the fakes, in order; the services marked down; a gate to hold calls."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.down: set[str] = set()
        self.gate: asyncio.Event | None = None
        self.holding = asyncio.Event()

    async def reach(self, call: Call) -> None:
        """Record the call; hold it while a gate is shut; fail it when its service is down."""
        self.calls.append(call)
        if self.gate is not None:
            self.holding.set()
            await self.gate.wait()
        if call.service in self.down:
            raise ServiceUnavailable(call.service)


class StandIn(ServiceClient):
    """A typed service client answering from memory; nothing it does goes over the wire."""

    def __init__(self, switchboard: Switchboard) -> None:
        # No HTTP client, address or signing key: a fake never reaches `ServiceClient.call`.
        self.switchboard = switchboard

    @property
    def calls(self) -> list[Call]:
        """The calls made to this service, in order."""
        return [call for call in self.switchboard.calls if call.service == self.service]

    async def reached(
        self, operation: str, caller: Principal, sent: object = None, *, if_match: str | None = None
    ) -> None:
        await self.switchboard.reach(Call(self.service, operation, caller, sent, if_match))

    def refusal(
        self,
        status: int,
        detail: str,
        *,
        slug: str = "not-found",
        title: str = "Not found",
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ServiceProblem:
        """The service's problem document, as its typed client raises it."""
        problem = Problem(
            type=PROBLEM_BASE + slug, title=title, status=status, detail=detail, errors=errors
        )
        return ServiceProblem(self.service, problem, headers or {})

    @override
    async def call(
        self,
        caller: Principal,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        raise AssertionError(f"{type(self).__name__} fakes no {method} {path}: override its method")
