"""Who is asking: signed tokens for API clients, and the same proof carried to every service.

The gateway signs short-lived EdDSA (Ed25519) JWTs. Clients receive one from the token endpoint
(audience `nowrongdoor-api`); for calls inward the gateway signs another one for the same
principal (audience `nowrongdoor-internal`, used again until half its life has passed), and
every service verifies it with the public key, once, then keeps it until it expires; so no
service trusts a bare header from anyone. An anonymous citizen is the `public` principal.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
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
    """The principal `token` speaks for; InvalidToken when it is not one the gateway signed for
    `audience`, with a trusted key, and still valid."""
    return _verified(token, {key.key_id: key for key in keys}, audience, time.time()).principal


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    key_id: str
    expires_at: float


LEEWAY_SECONDS = 5
"""How far the clocks of the gateway and a service may disagree."""


def _verified(
    token: str, by_id: Mapping[str, VerificationKey], audience: str, now: float
) -> _Verified:
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
            # Expiry is judged below, on the same clock as the tokens kept.
            options={"require": ["exp", "iat", "sub", "aud", "iss"], "verify_exp": False},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(type(error).__name__) from error
    expires_at = float(claims["exp"]) + LEEWAY_SECONDS
    if expires_at <= now:
        raise InvalidToken("ExpiredSignatureError")
    kind = claims.get("kind")
    if kind not in ("institution", "ngo", "admin", "public"):
        raise InvalidToken("unknown client kind")
    principal = Principal(
        client_id=str(claims["sub"]),
        kind=kind,
        institution_id=claims.get("institution"),
        scopes=frozenset(str(claims.get("scope", "")).split()),
        case_reference=claims.get("case"),
    )
    return _Verified(principal, key.key_id, expires_at)


class VerifiedTokens:
    """Tokens already verified for one audience, kept until they expire: a token presented
    again costs a lookup instead of a signature check.

    A kept token stands only while it has not expired and the key that signed it is still
    trusted; the least recently used go first once `size` are kept.
    """

    def __init__(
        self, audience: str, size: int = 1024, clock: Callable[[], float] = time.time
    ) -> None:
        self.audience = audience
        self.size = size
        self.clock = clock
        self._kept: OrderedDict[str, _Verified] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def verify(self, token: str, keys: Iterable[VerificationKey]) -> Principal:
        by_id = {key.key_id: key for key in keys}
        now = self.clock()
        kept = self._kept.get(token)
        if kept is not None:
            if kept.expires_at > now and kept.key_id in by_id:
                self._kept.move_to_end(token)
                return kept.principal
            del self._kept[token]
        verified = _verified(token, by_id, self.audience, now)
        self._kept[token] = verified
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return verified.principal


class IssuedTokens:
    """Tokens signed for calls inward, one per principal, used again until half their life
    has passed: a service then verifies each once, not on every call."""

    def __init__(
        self,
        key: SigningKey,
        *,
        audience: str,
        ttl_seconds: int,
        size: int = 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = key
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.size = size
        self.clock = clock
        self._issued: OrderedDict[Principal, tuple[str, float]] = OrderedDict()

    def token_for(self, principal: Principal) -> str:
        now = self.clock()
        issued = self._issued.get(principal)
        if issued is not None and issued[1] > now:
            return issued[0]
        token = issue_token(
            self.key, principal, audience=self.audience, ttl_seconds=self.ttl_seconds
        )
        self._issued[principal] = (token, now + self.ttl_seconds / 2)
        self._issued.move_to_end(principal)
        if len(self._issued) > self.size:
            self._issued.popitem(last=False)
        return token


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


_INTERNAL_TOKENS = VerifiedTokens(INTERNAL_AUDIENCE)


async def internal_principal(request: Request) -> Principal:
    """FastAPI dependency for internal APIs: the gateway-signed principal, or 401."""
    keys: list[VerificationKey] = request.app.state.verification_keys
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ProblemError(401, "This internal API needs the gateway's signed token.")
    try:
        return _INTERNAL_TOKENS.verify(token, keys)
    except InvalidToken as error:
        raise ProblemError(401, "The token is not valid here.") from error


CallerDep = Annotated[Principal, Depends(internal_principal)]
