"""The services behind the gateway, each through its typed client from `nowrongdoor.contracts`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

import httpx
from fastapi import Depends, Request

from gateway.settings import GatewaySettings
from nowrongdoor.contracts.cases import CasesClient
from nowrongdoor.contracts.http import ServiceClient
from nowrongdoor.contracts.intake import IntakeClient
from nowrongdoor.contracts.notifications import NotificationsClient
from nowrongdoor.contracts.routing import RoutingClient
from nowrongdoor.contracts.statistics import StatisticsClient

Client = TypeVar("Client", bound=ServiceClient)


@dataclass(frozen=True)
class Upstreams:
    """One typed client per internal service, sharing the process's HTTP connection pool."""

    intake: IntakeClient
    routing: RoutingClient
    cases: CasesClient
    notifications: NotificationsClient
    statistics: StatisticsClient

    @classmethod
    def over(cls, http: httpx.AsyncClient, settings: GatewaySettings) -> Upstreams:
        """Clients that sign each call inward with the gateway's key for a minute or so."""
        key, ttl = settings.signing_key(), settings.internal_token_ttl_seconds

        def client(kind: type[Client], url: str) -> Client:
            return kind(http, url, signing_key=key, token_ttl_seconds=ttl)

        return cls(
            intake=client(IntakeClient, settings.intake_url),
            routing=client(RoutingClient, settings.routing_url),
            cases=client(CasesClient, settings.case_tracking_url),
            notifications=client(NotificationsClient, settings.notifications_url),
            statistics=client(StatisticsClient, settings.case_tracking_url),
        )


async def get_upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


UpstreamsDep = Annotated[Upstreams, Depends(get_upstreams)]
