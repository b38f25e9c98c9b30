"""Who is calling the public API: an API client with a bearer token, or the anonymous public.

A token is checked for its signature, expiry, issuer and audience, and its client for revocation
(through a cache of a few seconds, so a revoked client is locked out everywhere within that time).
No Authorization header at all means the public principal, which may only file complaints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from gateway import client_registry
from gateway.settings import GatewaySettings
from nowrongdoor.auth import (
    API_AUDIENCE,
    SCOPES,
    ClientKind,
    InvalidToken,
    Principal,
    VerificationKey,
    load_verification_keys,
    verify_token,
)
from nowrongdoor.db import SessionMaker
from nowrongdoor.problems import ProblemError

TOKEN_URL = "/v1/oauth/token"  # noqa: S105

# FastAPI has no ready-made client-credentials class; the generic one describes the flow.
oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=SCOPES)
    ),
    scheme_name="clientCredentials",
    description=(
        "Institutions, NGOs and administrators exchange their client id and secret for a "
        "short-lived access token at the token endpoint, then send `Authorization: Bearer "
        "<token>`. Citizens send no Authorization header."
    ),
    auto_error=False,
)

ANONYMOUS_ALLOWED: dict[str, Any] = {"security": [{}]}
"""`openapi_extra` of an endpoint that also answers callers without a token."""


def api_verification_keys(settings: GatewaySettings) -> list[VerificationKey]:
    """The gateway's own key, plus any older ones still trusted during a key rotation."""
    own = settings.signing_key().public()
    keys = {own.key_id: own}
    if settings.token_verification_keys_file:
        bundle = load_verification_keys(settings.token_verification_keys_file.read_bytes())
        keys.update({key.key_id: key for key in bundle})
    return list(keys.values())


class ClientStatusCache:
    """Whether a client is still active, remembered for at most `ttl_seconds`."""

    def __init__(
        self,
        sessions: SessionMaker,
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self.sessions = sessions
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.max_entries = max_entries
        self._known: dict[str, tuple[float, bool]] = {}

    async def is_active(self, client_id: str) -> bool:
        now = self.clock()
        cached = self._known.get(client_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self.sessions() as session:
            active = await client_registry.is_active(session, client_id)
        if len(self._known) >= self.max_entries:
            self._known = {key: value for key, value in self._known.items() if value[0] > now}
            if len(self._known) >= self.max_entries:
                self._known.clear()
        self._known[client_id] = (now + self.ttl_seconds, active)
        return active


def invalid_token(detail: str) -> ProblemError:
    return ProblemError(
        401,
        detail,
        slug="invalid-token",
        title="Invalid access token",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def caller(
    request: Request,
    _documented: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The API client behind the bearer token, or the public when no Authorization is sent."""
    header = request.headers.get("authorization")
    if header is None:
        return Principal.public()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise invalid_token("Send an access token as `Authorization: Bearer <token>`.")
    keys: list[VerificationKey] = request.app.state.api_token_keys
    try:
        principal = verify_token(token.strip(), keys, audience=API_AUDIENCE)
    except InvalidToken:
        raise invalid_token("The access token is invalid or has expired.") from None
    statuses: ClientStatusCache = request.app.state.client_status
    if principal.kind == "public" or not await statuses.is_active(principal.client_id):
        raise invalid_token("The access token's client is no longer allowed.")
    return principal


Caller = Principal
CallerDep = Annotated[Principal, Depends(caller)]


def _authentication_required(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="nowrongdoor"'})


def require_scope(principal: Principal, scope: str) -> None:
    """403 `insufficient-scope` for a client without `scope`; 401 when nobody authenticated."""
    if scope in principal.scopes:
        return
    if principal.kind == "public":
        raise _authentication_required(f"This needs an access token with the `{scope}` scope.")
    raise ProblemError(
        403,
        f"This client lacks the `{scope}` scope.",
        slug="insufficient-scope",
        title="Insufficient scope",
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
    )


def require_kind(principal: Principal, *kinds: ClientKind) -> None:
    """403 for a client of another kind; 401 when nobody authenticated."""
    if principal.kind in kinds:
        return
    wanted = " or ".join(kinds)
    if principal.kind == "public":
        raise _authentication_required(f"This is for {wanted} clients; send an access token.")
    raise ProblemError(
        403, f"This is for {wanted} clients.", slug="wrong-client-kind", title="Wrong client kind"
    )
