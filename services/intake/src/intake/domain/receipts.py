"""Receipts are kept only as slow Argon2id hashes; a wrong and an unknown one cost the same."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from nowrongdoor.ids import new_receipt

# Argon2id, RFC 9106's second recommended profile: slow enough to make a stolen table useless.
receipt_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# A hash to verify against when the reference is unknown, so both paths cost the same.
_DECOY_HASH = receipt_hasher.hash(new_receipt())


def hash_receipt(receipt: str) -> str:
    """The slow hash stored in place of the receipt; CPU-bound, run it off the event loop."""
    return receipt_hasher.hash(receipt)


def receipt_matches(receipt_hash: str | None, receipt: str) -> bool:
    """True only for the right receipt of a known reference; an unknown one costs the same."""
    try:
        matched = receipt_hasher.verify(receipt_hash or _DECOY_HASH, receipt)
    except (VerificationError, InvalidHashError):
        return False
    return matched and receipt_hash is not None
