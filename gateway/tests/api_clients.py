"""API clients for tests: registered straight in the gateway database, tokens got over HTTP."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from gateway import api_clients
from gateway.api.oauth import current_time
from nowrongdoor.db import SessionMaker, unit_of_work

TOKEN_URL = "/v1/oauth/token"


@dataclass(frozen=True)
class Registered:
    client_id: str
    secret: str

    def basic(self, secret: str | None = None) -> dict[str, str]:
        pair = f"{self.client_id}:{secret or self.secret}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


async def register(
    app: FastAPI,
    *,
    kind: str = "institution",
    institution: str | None = "ma-mediateur",
    scopes: tuple[str, ...] = ("complaints:write", "cases:read", "cases:write"),
    name: str = "Case system",
) -> Registered:
    async with unit_of_work(sessions(app)) as session:
        client, secret = await api_clients.create_client(
            session,
            kind=kind,
            institution_id=institution,
            name=name,
            scopes=scopes,
            actor="test",
            now=datetime.now(UTC),
        )
    return Registered(client.client_id, secret)


async def rotate(app: FastAPI, client_id: str, *, grace: timedelta, now: datetime) -> str:
    async with unit_of_work(sessions(app)) as session:
        return await api_clients.rotate_secret(
            session, client_id, grace=grace, actor="test", now=now
        )


async def revoke(app: FastAPI, client_id: str) -> None:
    async with unit_of_work(sessions(app)) as session:
        await api_clients.revoke_client(session, client_id, actor="test", now=datetime.now(UTC))


async def refused_counts(app: FastAPI) -> dict[str, int]:
    async with sessions(app)() as session:
        listed = await api_clients.list_clients(session, now=datetime.now(UTC))
    return {summary.client_id: summary.refused_last_day for summary in listed}


def sessions(app: FastAPI) -> SessionMaker:
    maker: SessionMaker = app.state.sessions
    return maker


def set_clock(app: FastAPI, at: datetime) -> None:
    """Move the token endpoint's clock, as if `at` were now."""
    app.dependency_overrides[current_time] = lambda: at


async def token_request(
    client: httpx.AsyncClient,
    form: dict[str, str],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(TOKEN_URL, data=form, headers=headers)


async def access_token(
    client: httpx.AsyncClient, registered: Registered, scope: str | None = None
) -> str:
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    response = await token_request(client, form, registered.basic())
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
