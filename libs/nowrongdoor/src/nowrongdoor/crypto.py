"""Encryption at rest: AES-256-GCM under keys that live outside the database.

A sealed value is `v1.<key id>.<base64 nonce+ciphertext>`, so keys can rotate: new data is sealed
with the active key, older data opens with whichever key its id names. The associated data binds
a ciphertext to its row and column, so it cannot be moved to another record and still open.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1"


class KeyProvider(Protocol):
    """Where keys come from: settings or a key file today, a KMS tomorrow."""

    @property
    def active_key_id(self) -> str: ...

    def key(self, key_id: str) -> bytes: ...


@dataclass(frozen=True)
class StaticKeys:
    keys: dict[str, bytes]
    active_key_id: str

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKey(key_id) from None

    @classmethod
    def parse(cls, spec: str) -> StaticKeys:
        """`id:base64,id:base64` — the first key is the active one."""
        keys: dict[str, bytes] = {}
        for item in (part.strip() for part in spec.split(",") if part.strip()):
            key_id, _, encoded = item.partition(":")
            key = base64.b64decode(encoded)
            if not key_id or len(key) != 32:
                raise ValueError("each key is `id:base64` of 32 random bytes")
            keys[key_id] = key
        if not keys:
            raise ValueError("no encryption key given")
        return cls(keys=keys, active_key_id=next(iter(keys)))

    @classmethod
    def from_file(cls, path: Path, *, create: bool) -> StaticKeys:
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"encryption key file {path} does not exist")
            path.parent.mkdir(parents=True, exist_ok=True)
            key_id = f"k{secrets.token_hex(4)}"
            encoded = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
            temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(f"{key_id}:{encoded}\n")
            try:
                os.link(temporary, path)  # processes starting together agree on the first key
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        return cls.parse(",".join(path.read_text().split()))


class UnknownKey(LookupError):
    """A sealed value names a key this process does not hold."""


class Sealer:
    def __init__(self, keys: KeyProvider) -> None:
        self.keys = keys

    def seal(self, plaintext: str, context: str) -> str:
        key_id = self.keys.active_key_id
        nonce = secrets.token_bytes(12)
        ciphertext = AESGCM(self.keys.key(key_id)).encrypt(
            nonce, plaintext.encode(), context.encode()
        )
        return f"{_VERSION}.{key_id}.{base64.urlsafe_b64encode(nonce + ciphertext).decode()}"

    def open(self, sealed: str, context: str) -> str:
        version, key_id, encoded = sealed.split(".", 2)
        if version != _VERSION:
            raise ValueError(f"unknown sealed format {version}")
        raw = base64.urlsafe_b64decode(encoded)
        plaintext = AESGCM(self.keys.key(key_id)).decrypt(raw[:12], raw[12:], context.encode())
        return plaintext.decode()

    @staticmethod
    def key_id_of(sealed: str) -> str:
        return sealed.split(".", 2)[1]

    def seal_bytes(self, plaintext: bytes, context: str) -> bytes:
        """A file sealed at rest: `v1.<key id>.` then the raw nonce and ciphertext."""
        key_id = self.keys.active_key_id
        nonce = secrets.token_bytes(12)
        ciphertext = AESGCM(self.keys.key(key_id)).encrypt(nonce, plaintext, context.encode())
        return f"{_VERSION}.{key_id}.".encode() + nonce + ciphertext

    def open_bytes(self, sealed: bytes, context: str) -> bytes:
        version, key_id, raw = sealed.split(b".", 2)
        if version.decode(errors="replace") != _VERSION:
            raise ValueError("unknown sealed format")
        return AESGCM(self.keys.key(key_id.decode())).decrypt(raw[:12], raw[12:], context.encode())

    @staticmethod
    def key_id_of_bytes(sealed: bytes) -> str:
        return sealed.split(b".", 2)[1].decode()
