"""The OAuth 2.0 token endpoint: client credentials (RFC 6749 §4.4) for a short-lived token.

Errors here follow RFC 6749 §5.2 (`{"error": …, "error_description": …}`), not RFC 9457, because
every OAuth client library expects that shape from a token endpoint.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway import api_clients
from nowrongdoor.auth import API_AUDIENCE, SCOPES, Principal, SigningKey, issue_token
from nowrongdoor.db import SessionMaker, unit_of_work

router = APIRouter(prefix="/v1/oauth", tags=["oauth"])

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 4096
TOKEN_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
KNOWN_PARAMETERS = ("grant_type", "scope", "client_id", "client_secret")

ErrorCode = Literal["invalid_request", "invalid_client", "invalid_scope", "unsupported_grant_type"]


class AccessToken(BaseModel):
    """RFC 6749 §5.1."""

    access_token: str = Field(examples=["eyJhbGciOiJFZERTQSIsImtpZCI6Ij…"])
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int = Field(description="seconds the token stays valid", examples=[300])
    scope: str = Field(description="the scopes granted, space-separated", examples=["cases:read"])


class OAuthError(BaseModel):
    """RFC 6749 §5.2."""

    error: ErrorCode = Field(examples=["invalid_client"])
    error_description: str | None = Field(None, examples=["Client authentication failed."])


@dataclass(frozen=True)
class TokenIssuer:
    signing_key: SigningKey
    ttl_seconds: int

    def issue(self, principal: Principal) -> str:
        return issue_token(
            self.signing_key, principal, audience=API_AUDIENCE, ttl_seconds=self.ttl_seconds
        )


async def current_time() -> datetime:
    """The token endpoint's clock, a dependency so that it can be replaced."""
    return datetime.now(UTC)


class TokenRefused(Exception):
    def __init__(self, error: ErrorCode, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        headers = dict(TOKEN_HEADERS)
        status = 400
        if self.error == "invalid_client":
            status = 401
            headers["WWW-Authenticate"] = 'Basic realm="nowrongdoor", charset="UTF-8"'
        body = OAuthError(error=self.error, error_description=self.description)
        return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def client_failed() -> TokenRefused:
    # One answer for an unknown client, a wrong secret and a revoked client: nothing to probe.
    return TokenRefused("invalid_client", "Client authentication failed.")


_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        FORM: {
            "schema": {
                "type": "object",
                "required": ["grant_type"],
                "properties": {
                    "grant_type": {"type": "string", "enum": ["client_credentials"]},
                    "scope": {
                        "type": "string",
                        "description": "Space-separated subset of the client's scopes; "
                        "all of them when left out. Known scopes: " + ", ".join(sorted(SCOPES)),
                        "examples": ["cases:read"],
                    },
                    "client_id": {
                        "type": "string",
                        "description": "With client_secret, when not using HTTP Basic",
                        "examples": ["nwdc_4bq0Yd2XcQe7m1Lr9TfA"],
                    },
                    "client_secret": {"type": "string", "format": "password"},
                },
            },
            "example": {"grant_type": "client_credentials", "scope": "cases:read"},
        }
    },
}


@router.post(
    "/token",
    summary="Get an access token (OAuth 2.0 client credentials)",
    description=(
        "RFC 6749 §4.4. Send `grant_type=client_credentials` as "
        "`application/x-www-form-urlencoded`, authenticating either with HTTP Basic "
        "(client id and secret, each form-encoded, as user and password) or with the "
        "`client_id` and `client_secret` fields — not both. An optional `scope` narrows the "
        "token to some of the client's scopes. Use the token as `Authorization: Bearer …` "
        "until `expires_in` seconds have passed, then ask for a new one. Unlike the other "
        "POST operations this one takes no `Idempotency-Key`: a token answer is never given "
        "again from a store (RFC 6749 §5.1); ask again instead.\n\n"
        'Errors use the OAuth format of RFC 6749 §5.2, `{"error", "error_description"}`, '
        "rather than problem details: `invalid_request` (400) for a malformed request, "
        "`unsupported_grant_type` (400) for any grant but client credentials, "
        "`invalid_scope` (400) for a scope the client does not hold, and `invalid_client` "
        "(401, with `WWW-Authenticate: Basic`) when the client is unknown, the secret wrong "
        "or the client revoked — the same answer in every case."
    ),
    response_model=None,
    responses={
        200: {"model": AccessToken, "description": "A bearer token; never cache it"},
        400: {
            "model": OAuthError,
            "description": "invalid_request, invalid_scope or unsupported_grant_type",
        },
        401: {
            "model": OAuthError,
            "description": "invalid_client",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        },
    },
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def issue_access_token(
    request: Request,
    background: BackgroundTasks,
    now: Annotated[datetime, Depends(current_time)],
) -> JSONResponse:
    try:
        answer = await exchange(request, background, now)
    except TokenRefused as refused:
        response = refused.response()
        response.background = background
        return response
    return JSONResponse(answer.model_dump(), headers=TOKEN_HEADERS)


async def exchange(request: Request, background: BackgroundTasks, now: datetime) -> AccessToken:
    """Client credentials for a token, or TokenRefused; refusals are counted after answering."""
    sessions: SessionMaker = request.app.state.sessions
    issuer: TokenIssuer = request.app.state.token_issuer
    form = await read_form(request)
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise TokenRefused("invalid_request", "`grant_type` is required.")
    if grant_type != "client_credentials":
        raise TokenRefused(
            "unsupported_grant_type", "Only the client_credentials grant is supported."
        )
    client_id, secret = client_credentials(request, form)
    # The session closes before the slow hash checks, so no connection waits on them.
    async with sessions() as session:
        found = await api_clients.find_client(session, client_id)
    outcome = await api_clients.authenticate(found, secret, now=now)
    client = outcome.client
    if client is None:
        if outcome.known_client_id and outcome.refusal:
            background.add_task(
                record_refusal, sessions, outcome.known_client_id, outcome.refusal, now
            )
        raise client_failed()
    scopes = api_clients.grant(client, form.get("scope"))
    if scopes is None:
        background.add_task(record_refusal, sessions, client.client_id, "scope not granted", now)
        raise TokenRefused("invalid_scope", "The client does not hold the scope asked for.")
    token = issuer.issue(api_clients.principal_of(client, scopes))
    return AccessToken(
        access_token=token, expires_in=issuer.ttl_seconds, scope=" ".join(sorted(scopes))
    )


async def read_form(request: Request) -> dict[str, str]:
    """The known form parameters; each may appear once (RFC 6749 §3.2)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise TokenRefused("invalid_request", f"Send the parameters as {FORM}.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise TokenRefused("invalid_request", "The request body is too large.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise TokenRefused("invalid_request", "The body is not a valid form.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name not in KNOWN_PARAMETERS:
            continue  # RFC 6749 §3.2: unrecognised parameters are ignored
        if name in form:
            raise TokenRefused("invalid_request", f"`{name}` is given more than once.")
        form[name] = value
    return form


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Client id and secret from HTTP Basic or from the form (RFC 6749 §2.3.1), never both."""
    header = request.headers.get("authorization")
    if header is None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if client_id is None or secret is None:
            raise client_failed()
        return client_id, secret
    if "client_secret" in form:
        raise TokenRefused(
            "invalid_request", "Authenticate with HTTP Basic or with form fields, not both."
        )
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise client_failed()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise client_failed() from None
    raw_id, separator, raw_secret = decoded.partition(":")
    if not separator:
        raise client_failed()
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if form.get("client_id", client_id) != client_id:
        raise TokenRefused("invalid_request", "`client_id` differs from the Basic credentials.")
    return client_id, secret


async def record_refusal(sessions: SessionMaker, client_id: str, reason: str, at: datetime) -> None:
    """Written after the answer is sent, so the time taken says nothing about the client."""
    async with unit_of_work(sessions) as session:
        api_clients.record_refusal(session, client_id, reason, now=at)
