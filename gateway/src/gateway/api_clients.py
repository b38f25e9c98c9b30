"""API clients: creating, rotating, revoking and authenticating them; no web or CLI in sight.

A client's secret is shown once and stored only as an Argon2id hash. During a rotation the
previous hash stays valid until its expiry, so a client can switch secrets without downtime.
Every change, and every refused token request, is written to the append-only audit table.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from gateway.models import ApiClient, ClientAudit
from nowrongdoor.auth import SCOPES, Principal
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN
from nowrongdoor.memory import MemoryHardPool

ApiClientKind = Literal["institution", "ngo", "admin"]
CLIENT_KINDS: tuple[str, ...] = get_args(ApiClientKind)
CLIENT_ID_PREFIX = "nwdc_"
SECRET_PREFIX = "nwds_"  # noqa: S105  (a marker, like a GitHub token prefix, not a secret)
ADMIN_ONLY_SCOPES = frozenset({"clients:admin"})

# Secrets are 256 random bits, so the hash need not slow guessing much: OWASP's Argon2id minimum.
secret_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when a client or its previous secret is missing, so every path costs the same.
_DECOY_HASH = secret_hasher.hash(SECRET_PREFIX + secrets.token_urlsafe(32))
# Each hash takes 19 MiB: on one thread per core, given back when token requests stop.
_HASHING = MemoryHardPool("secrets")


class ClientError(ValueError):
    """A request about clients that cannot be carried out; the message says why."""


class UnknownClient(ClientError):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"no API client {client_id}")


@dataclass(frozen=True)
class ClientSummary:
    """What an operator may see of a client: everything but its secrets."""

    client_id: str
    kind: str
    institution_id: str | None
    name: str
    scopes: frozenset[str]
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    previous_secret_expires_at: datetime | None
    refused_last_day: int

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "active"


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(15)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def hash_secret(secret: str) -> str:
    return await _HASHING.run(secret_hasher.hash, secret)


def validate_client(
    kind: str, institution_id: str | None, name: str, scopes: Iterable[str]
) -> frozenset[str]:
    """The scopes to grant, or ClientError naming what is wrong."""
    if kind not in CLIENT_KINDS:
        raise ClientError(f"unknown kind {kind!r}; choose from {', '.join(CLIENT_KINDS)}")
    granted = frozenset(scopes)
    unknown = sorted(granted - SCOPES.keys())
    if unknown:
        raise ClientError(
            f"unknown scope {', '.join(unknown)}; choose from {', '.join(sorted(SCOPES))}"
        )
    if not granted:
        raise ClientError("give the client at least one scope")
    if kind != "admin" and granted & ADMIN_ONLY_SCOPES:
        raise ClientError("only an admin client may hold clients:admin")
    if kind in ("institution", "ngo") and not institution_id:
        subject = "institution it acts for" if kind == "institution" else "NGO's organisation id"
        raise ClientError(f"an {kind} client needs --institution (the {subject})")
    if institution_id and not re.fullmatch(INSTITUTION_ID_PATTERN, institution_id):
        raise ClientError("an institution id is lower-case letters, digits and dashes")
    if not name.strip() or len(name) > 200:
        raise ClientError("a client needs a name of 1 to 200 characters")
    return granted


async def create_client(
    session: AsyncSession,
    *,
    kind: str,
    institution_id: str | None,
    name: str,
    scopes: Iterable[str],
    actor: str,
    now: datetime,
) -> tuple[ApiClient, str]:
    """A new client and its secret, which is not kept anywhere in clear."""
    granted = validate_client(kind, institution_id, name, scopes)
    secret = new_secret()
    client = ApiClient(
        client_id=new_client_id(),
        kind=kind,
        institution_id=institution_id or None,
        name=name.strip(),
        scopes=" ".join(sorted(granted)),
        secret_hash=await hash_secret(secret),
        created_at=now,
    )
    session.add(client)
    await session.flush()
    _audit(session, client.client_id, "created", actor, now, f"scopes {client.scopes}")
    return client, secret


async def rotate_secret(
    session: AsyncSession, client_id: str, *, grace: timedelta, actor: str, now: datetime
) -> str:
    """A new secret; the current one keeps working until `now + grace`."""
    if grace < timedelta(0):
        raise ClientError("the grace period cannot be negative")
    client = await session.get(ApiClient, client_id)
    if client is None:
        raise UnknownClient(client_id)
    if client.revoked_at is not None:
        raise ClientError(f"API client {client_id} is revoked; create a new one instead")
    secret = new_secret()
    client.previous_secret_hash = client.secret_hash if grace else None
    client.previous_secret_expires_at = now + grace if grace else None
    client.secret_hash = await hash_secret(secret)
    client.rotated_at = now
    hours = grace.total_seconds() / 3600
    _audit(session, client_id, "rotated", actor, now, f"previous secret valid {hours:g} h")
    return secret


async def revoke_client(
    session: AsyncSession, client_id: str, *, actor: str, now: datetime
) -> bool:
    """Revoke for good; False when it already was."""
    client = await session.get(ApiClient, client_id)
    if client is None:
        raise UnknownClient(client_id)
    if client.revoked_at is not None:
        return False
    client.revoked_at = now
    client.previous_secret_hash = None
    client.previous_secret_expires_at = None
    _audit(session, client_id, "revoked", actor, now, None)
    return True


async def list_clients(session: AsyncSession, *, now: datetime) -> list[ClientSummary]:
    counts = await session.execute(
        select(ClientAudit.client_id, func.count())
        .where(ClientAudit.action == "token-refused")
        .where(col(ClientAudit.at) >= now - timedelta(days=1))
        .group_by(col(ClientAudit.client_id))
    )
    refused = {client_id: count for client_id, count in counts.all()}
    clients = (
        await session.execute(select(ApiClient).order_by(col(ApiClient.created_at)))
    ).scalars()
    return [
        ClientSummary(
            client_id=client.client_id,
            kind=client.kind,
            institution_id=client.institution_id,
            name=client.name,
            scopes=client.scope_set,
            created_at=client.created_at,
            rotated_at=client.rotated_at,
            revoked_at=client.revoked_at,
            previous_secret_expires_at=client.previous_secret_expires_at,
            refused_last_day=int(refused.get(client.client_id, 0)),
        )
        for client in clients
    ]


# -- token requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Authentication:
    """The outcome of checking client credentials; `client` is set only when they hold."""

    client: ApiClient | None
    known_client_id: str | None
    refusal: str | None


async def find_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    if not (client_id.startswith(CLIENT_ID_PREFIX) and len(client_id) <= 40):
        return None
    return await session.get(ApiClient, client_id)


async def authenticate(client: ApiClient | None, secret: str, *, now: datetime) -> Authentication:
    """Check a client's credentials in the same time whether or not the client exists.

    Both the current and the previous slot are always verified, a decoy standing in for what
    is missing, so neither existence, rotation nor revocation shows in the time taken.
    """
    previous_hash = None
    expires = client.previous_secret_expires_at if client else None
    if client is not None and expires is not None and expires > now:
        previous_hash = client.previous_secret_hash
    current_ok, previous_ok = await asyncio.gather(
        _verify(client.secret_hash if client else None, secret),
        _verify(previous_hash, secret),
    )
    if client is None:
        return Authentication(None, None, "unknown client")
    if not (current_ok or previous_ok):
        return Authentication(None, client.client_id, "wrong secret")
    if client.revoked_at is not None:
        return Authentication(None, client.client_id, "revoked")
    return Authentication(client, client.client_id, None)


async def _verify(secret_hash: str | None, secret: str) -> bool:
    def verify() -> bool:
        try:
            return secret_hasher.verify(secret_hash or _DECOY_HASH, secret)
        except (VerificationError, InvalidHashError):
            return False

    matched = await _HASHING.run(verify)
    return matched and secret_hash is not None


def grant(client: ApiClient, requested: str | None) -> frozenset[str] | None:
    """The scopes a token gets: all the client's, or the subset asked for; None if not allowed."""
    if requested is None:
        return client.scope_set
    asked = frozenset(requested.split(" "))
    if "" in asked or not asked <= client.scope_set:
        return None
    return asked


def principal_of(client: ApiClient, scopes: frozenset[str]) -> Principal:
    return Principal(
        client_id=client.client_id,
        kind=cast(ApiClientKind, client.kind),
        institution_id=client.institution_id,
        scopes=scopes,
    )


def record_refusal(
    session: AsyncSession,
    client_id: str,
    reason: str,
    *,
    now: datetime,
    actor: str = "token endpoint",
) -> None:
    """Count a refused token request against the client it named; no secret, no address."""
    _audit(session, client_id, "token-refused", actor, now, reason)


async def is_active(session: AsyncSession, client_id: str) -> bool:
    """True when the client exists and is not revoked."""
    revoked = await session.execute(
        select(ApiClient.revoked_at).where(ApiClient.client_id == client_id)
    )
    row = revoked.first()
    return row is not None and row[0] is None


def _audit(
    session: AsyncSession,
    client_id: str,
    action: str,
    actor: str,
    now: datetime,
    detail: str | None,
) -> None:
    session.add(ClientAudit(at=now, client_id=client_id, action=action, actor=actor, detail=detail))
