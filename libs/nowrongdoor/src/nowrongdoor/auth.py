"""Who is asking: signed tokens for API clients, and the same proof carried to every service.

The gateway signs short-lived EdDSA (Ed25519) JWTs. Clients receive one from the token endpoint
(audience `nowrongdoor-api`); for each call inward the gateway signs another one for the same
principal (audience `nowrongdoor-internal`), and every service verifies it with the public key,
so no service trusts a bare header from anyone. An anonymous citizen is the `public` principal.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request

from nowrongdoor.problems import ProblemError

ClientKind = Literal["institution", "ngo", "admin", "public"]
API_AUDIENCE = "nowrongdoor-api"
INTERNAL_AUDIENCE = "nowrongdoor-internal"
ISSUER = "nowrongdoor-gateway"
ALGORITHM = "EdDSA"

SCOPES: dict[str, str] = {
    "complaints:write": "file complaints received at the client's own counter or channel",
    "cases:read": "read the cases of the client's own institution",
    "cases:write": "change the status of, message in, transfer the client's own cases",
    "mandate:write": "change the client's own institution's mandate",
    "accreditations:read": "read the accreditations the client's NGO holds or institution grants",
    "accreditations:write": (
        "apply for accreditation (NGOs); publish criteria, grant, refuse, suspend, reinstate, "
        "renew and revoke accreditations (institutions)"
    ),
    "clients:admin": "manage API clients (platform administrators)",
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API client, or the anonymous public."""

    client_id: str
    kind: ClientKind
    institution_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    case_reference: str | None = None
    """For the public: the one case whose receipt the gateway has just verified."""

    @classmethod
    def public(cls) -> Principal:
        return cls(client_id="public", kind="public", scopes=frozenset({"complaints:write"}))

    def holding_receipt_for(self, reference: str) -> Principal:
        return replace(self, case_reference=reference)

    def may_open_as_complainant(self, reference: str) -> bool:
        return self.kind == "public" and self.case_reference == reference

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ProblemError(
                403, f"This client lacks the `{scope}` scope.", slug="insufficient-scope"
            )


class InvalidToken(Exception):
    """The token is missing, expired, tampered with, or not meant for this audience."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    def public(self) -> VerificationKey:
        return VerificationKey(self.key_id, self.private_key.public_key())


@dataclass(frozen=True)
class VerificationKey:
    key_id: str
    public_key: Ed25519PublicKey


def issue_token(key: SigningKey, principal: Principal, *, audience: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": principal.client_id,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
        "kind": principal.kind,
        "scope": " ".join(sorted(principal.scopes)),
    }
    if principal.institution_id:
        claims["institution"] = principal.institution_id
    if principal.case_reference:
        claims["case"] = principal.case_reference
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.key_id})


def verify_token(token: str, keys: Iterable[VerificationKey], *, audience: str) -> Principal:
    by_id = {key.key_id: key for key in keys}
    try:
        header = jwt.get_unverified_header(token)
        key = by_id.get(str(header.get("kid")))
        if key is None or header.get("alg") != ALGORITHM:
            raise InvalidToken("unknown signing key")
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            leeway=5,
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(type(error).__name__) from error
    kind = claims.get("kind")
    if kind not in ("institution", "ngo", "admin", "public"):
        raise InvalidToken("unknown client kind")
    return Principal(
        client_id=str(claims["sub"]),
        kind=kind,
        institution_id=claims.get("institution"),
        scopes=frozenset(str(claims.get("scope", "")).split()),
        case_reference=claims.get("case"),
    )


# -- keys ------------------------------------------------------------------------------------


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A key's id is its fingerprint, so rotating keys needs no separate naming."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_signing_key(pem: bytes) -> SigningKey:
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("the token signing key must be an Ed25519 private key")
    return SigningKey(key_id_of(private.public_key()), private)


def load_verification_keys(pem_bundle: bytes) -> list[VerificationKey]:
    """Every public key in a PEM bundle: the current one and any still valid during rotation."""
    keys = []
    for block in pem_bundle.split(b"-----END PUBLIC KEY-----"):
        if b"-----BEGIN PUBLIC KEY-----" not in block:
            continue
        public = serialization.load_pem_public_key(block + b"-----END PUBLIC KEY-----\n")
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("token verification keys must be Ed25519 public keys")
        keys.append(VerificationKey(key_id_of(public), public))
    if not keys:
        raise ValueError("no public key found in the verification key bundle")
    return keys


def development_signing_key(data_dir: Path) -> SigningKey:
    """The key `nowrongdoor up` shares between processes through the data folder.

    Created once, atomically, so processes starting together agree on one key.
    """
    path = data_dir / "keys" / "token-signing.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        try:
            os.link(temporary, path)  # fails if another process won the race; theirs is kept
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return load_signing_key(path.read_bytes())


# -- services: verify the identity the gateway passes inward -----------------------------------


async def internal_principal(request: Request) -> Principal:
    """FastAPI dependency for internal APIs: the gateway-signed principal, or 401."""
    keys: list[VerificationKey] = request.app.state.verification_keys
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ProblemError(401, "This internal API needs the gateway's signed token.")
    try:
        return verify_token(token, keys, audience=INTERNAL_AUDIENCE)
    except InvalidToken as error:
        raise ProblemError(401, "The token is not valid here.") from error


CallerDep = Annotated[Principal, Depends(internal_principal)]
