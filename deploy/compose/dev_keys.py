"""Make the development token keys the compose stack shares, once, on its first start.

The gateway signs every call inward with an Ed25519 key; the services verify it with the public
half. Production mounts both from its own secrets; here a one-shot container makes them into two
volumes: the private key only the gateway mounts, the public bundle every service mounts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNING_KEY = Path("/etc/nowrongdoor/signing-key/token-signing.pem")
VERIFICATION_KEYS = Path("/etc/nowrongdoor/verification-keys/token-verification.pem")


def write_atomically(path: Path, content: bytes, mode: int) -> None:
    # Written beside the target and renamed, so a reader never sees half a key.
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    temporary.replace(path)


def main() -> None:
    if SIGNING_KEY.exists():
        print(f"keeping the development signing key in {SIGNING_KEY.parent}")
    else:
        private = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_atomically(SIGNING_KEY, private, 0o600)
        print(f"made a development signing key in {SIGNING_KEY.parent}")
    key = serialization.load_pem_private_key(SIGNING_KEY.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        sys.exit(f"{SIGNING_KEY} is not an Ed25519 private key")
    # Always derived again from the private key, so the two can never disagree.
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write_atomically(VERIFICATION_KEYS, public, 0o644)
    print(f"wrote the matching public key to {VERIFICATION_KEYS.parent}")


if __name__ == "__main__":
    main()
