"""Who is calling and which route they reach, settled once per request before anything else.

`EdgeContext` matches the route and checks the bearer token a single time and leaves the outcome in
the request scope; the limits, the idempotency store and the routes all read it from there. A token
is checked for its signature, expiry, issuer and audience, and its client for revocation (through a
cache of a few seconds, so a revoked client is locked out everywhere within that time). No
Authorization header at all means the public principal, which may only file complaints.

A bearer token that begins with `nwdt_` is no signed token but a complainant's case session,
opened with the receipt: it stands for the public holding the receipt of that one case, and is
counted, limited and refused as the public is. An ended or unknown one is refused like an invalid
access token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final, Protocol

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2
from starlette.datastructures import Headers
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import api_clients
from gateway.settings import GatewaySettings
from nowrongdoor.access import ROUTE_TEMPLATE
from nowrongdoor.auth import (
    API_AUDIENCE,
    SCOPES,
    ClientKind,
    InvalidToken,
    Principal,
    VerificationKey,
    VerifiedTokens,
    load_verification_keys,
)
from nowrongdoor.db import SessionMaker
from nowrongdoor.problems import ProblemError, problem_response

TOKEN_URL = "/v1/oauth/token"  # noqa: S105
CASE_SESSION_PREFIX: Final = "nwdt_"
"""How a case session's token begins (t for tracking), so that it is never taken for a signed
access token (which begins `eyJ`), nor one of those for it."""

# FastAPI has no ready-made client-credentials class; the generic one describes the flow.
oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=SCOPES)
    ),
    scheme_name="clientCredentials",
    description=(
        "Institutions, NGOs and administrators exchange their client id and secret for a "
        "short-lived access token at the token endpoint, then send `Authorization: Bearer "
        "<token>`. Citizens send no Authorization header, or the token of their case session "
        "(`caseSession`)."
    ),
    auto_error=False,
)
case_session_scheme = HTTPBearer(
    scheme_name="caseSession",
    bearerFormat="nwdt_…",
    description=(
        "A complainant sends the receipt once, in `X-Receipt`, to "
        "`POST /v1/cases/{reference}/session`, then the `access_token` of its answer as "
        "`Authorization: Bearer <token>` instead of the receipt, for that one case only. It "
        "holds no scope, ends after `expires_in` seconds without use or with "
        "`DELETE /v1/cases/{reference}/session`, and is then refused with 401 `invalid-token`."
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


class CaseSessions(Protocol):
    """The case sessions a checked receipt opens, shared by the pages and the API
    (`gateway.pages.sessions.TrackingSessions`)."""

    idle_seconds: int
    """How long a session lasts without use."""

    async def open_token(self, reference: str) -> str: ...

    async def end_token(self, token: str) -> None: ...


class SessionComplainants(Protocol):
    """How the edge finds whom a case session's token stands for
    (`gateway.api.cases.cached_reads.SessionComplainants`): the request is at hand, so that a
    read the tracking cache holds may be found in the same trip."""

    async def complainant_of(self, scope: Scope, token: str) -> Principal | None: ...


async def case_sessions(request: Request) -> CaseSessions:
    sessions: CaseSessions = request.app.state.tracking_sessions
    return sessions


CaseSessionsDep = Annotated[CaseSessions, Depends(case_sessions)]


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for any other header."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


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
            active = await api_clients.is_active(session, client_id)
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


@dataclass(frozen=True)
class RequestContext:
    """What the edge settled about one request: its route template and who is calling."""

    route: str
    principal: Principal | None
    refusal: ProblemError | None = None
    matched: bool = False
    """Whether a route takes this method and path, not just the path."""

    @property
    def api_client_id(self) -> str | None:
        """The verified, active API client making the request; None for the public (with a case
        session or without) or a refusal."""
        if self.principal is None or self.principal.kind == "public":
            return None
        return self.principal.client_id


_CONTEXT = "nowrongdoor.edge"


def context_of(scope: Scope) -> RequestContext:
    """The edge's verdict on this request; a request that bypassed the edge is nobody's."""
    context = scope.get(_CONTEXT)
    if isinstance(context, RequestContext):
        return context
    return RequestContext(route="unmatched", principal=None, refusal=invalid_token("No caller."))


class EdgeContext:
    """ASGI middleware: match the route and authenticate the caller, once, for everyone after."""

    ROUTES_REMEMBERED = 4096
    """Paths whose matched route is kept: matching walks every route, a twentieth of a request."""

    def __init__(self, app: ASGIApp, *, gateway: FastAPI) -> None:
        self.app = app
        self.gateway = gateway
        self._routes: dict[tuple[str, str], tuple[str, bool, frozenset[str]]] = {}
        # A client presents the same access token on every call until it expires.
        self._tokens = VerifiedTokens(API_AUDIENCE)

    def _route(self, scope: Scope) -> tuple[str, bool, frozenset[str]]:
        """`route_template` of the request; the routes never change once the gateway runs."""
        key = (scope["method"], scope["path"])
        found = self._routes.get(key)
        if found is None:
            found = route_template(self.gateway.router, scope)
            if len(self._routes) >= self.ROUTES_REMEMBERED:
                self._routes.clear()
            self._routes[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route, matched, allowed = self._route(scope)
            scope[ROUTE_TEMPLATE] = route  # logs and traces name it, even when the edge answers
            if allowed and not matched:
                # Methods of one path may be served by several routes: name them all.
                allow = ", ".join(sorted(allowed))
                answer = problem_response(405, headers={"Allow": allow})
                await answer(scope, receive, send)
                return
            principal, refusal = await self._authenticate(scope)
            scope[_CONTEXT] = RequestContext(
                route=route, principal=principal, refusal=refusal, matched=matched
            )
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> tuple[Principal | None, ProblemError | None]:
        header = Headers(scope=scope).get("authorization")
        if header is None:
            return Principal.public(), None
        token = bearer_token(header)
        if token is None:
            return None, invalid_token("Send an access token as `Authorization: Bearer <token>`.")
        if token.startswith(CASE_SESSION_PREFIX):
            return await self._case_session(scope, token)
        keys: list[VerificationKey] = self.gateway.state.api_token_keys
        try:
            principal = self._tokens.verify(token, keys)
        except InvalidToken:
            return None, invalid_token("The access token is invalid or has expired.")
        statuses: ClientStatusCache = self.gateway.state.client_status
        if principal.kind == "public" or not await statuses.is_active(principal.client_id):
            return None, invalid_token("The access token's client is no longer allowed.")
        return principal, None

    async def _case_session(
        self, scope: Scope, token: str
    ) -> tuple[Principal | None, ProblemError | None]:
        """The public holding the receipt of the session's case, and nothing more."""
        sessions: SessionComplainants = self.gateway.state.session_complainants
        complainant = await sessions.complainant_of(scope, token)
        if complainant is None:
            return None, invalid_token(
                "The case session has ended or is unknown; open a new one with the receipt."
            )
        return complainant, None


def route_template(router: Router, scope: Scope) -> tuple[str, bool, frozenset[str]]:
    """The route a request will reach, as its template (`/v1/cases/{reference}`); whether one
    takes the request's method too; and every method served at that path."""
    template: str | None = None
    full = False
    allowed: set[str] = set()
    # FastAPI keeps included routers whole; their route contexts are what requests match.
    for route in iter_route_contexts(router.routes):
        match, _ = route.matches(scope)
        if match == Match.NONE:
            continue
        if template is None or (match == Match.FULL and not full):
            template, full = str(route.path), match == Match.FULL
        allowed |= getattr(route, "methods", None) or set()
    return template or "unmatched", full, frozenset(allowed)


def _authentication_required(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="nowrongdoor"'})


def settled_caller(request: Request) -> Principal:
    """Who the edge found calling; its refusal, raised, when the credentials sent do not hold."""
    context = context_of(request.scope)
    if context.refusal is not None:
        raise context.refusal
    assert context.principal is not None, "the edge names a principal whenever it refuses none"
    return context.principal


async def caller(
    request: Request,
    _documented: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The API client behind the bearer token, or the public when no Authorization is sent."""
    return settled_caller(request)


CallerDep = Annotated[Principal, Depends(caller)]


async def caller_or_complainant(
    request: Request,
    _documented: Annotated[str | None, Depends(oauth2_scheme)],
    _session: Annotated[HTTPAuthorizationCredentials | None, Depends(case_session_scheme)],
) -> Principal:
    """The caller, on a route where a complainant may also send a case session's token: then
    the public holding the receipt of the session's case."""
    return settled_caller(request)


CaseCallerDep = Annotated[Principal, Depends(caller_or_complainant)]


@dataclass(frozen=True)
class CaseSession:
    """The case session a complainant sent: its token, and who it stands for."""

    token: str
    complainant: Principal


async def case_session(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(case_session_scheme)],
) -> CaseSession:
    """The case session whose token is the bearer token; 401 for other credentials, or none."""
    principal = settled_caller(request)
    token = bearer_token(request.headers.get("authorization"))
    if token is None or not token.startswith(CASE_SESSION_PREFIX):
        raise _authentication_required(
            "Send the case session's token as `Authorization: Bearer <token>`."
        )
    return CaseSession(token, principal)


CaseSessionDep = Annotated[CaseSession, Depends(case_session)]


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
