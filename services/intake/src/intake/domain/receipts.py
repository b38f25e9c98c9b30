"""Receipts are kept only as slow Argon2id hashes; a wrong and an unknown one cost the same.

The parameters follow from what a receipt is: 16 digits drawn at random, about 53 bits, never
chosen by a person. Someone holding a stolen table searches 10^16 candidates per receipt (each
hash has its own salt), half of them on average. At OWASP's minimum for Argon2id (t=2, 19 MiB)
one guess costs a core about 25 ms, so one receipt costs about four million core-years. Heavier
parameters would add nothing a person could notice on that side, and would make each complaint
and each receipt check cost eight times the CPU. Online guessing is stopped by the gateway's
lockout, not by the hash. Hashes stored under earlier parameters carry them and still verify.
"""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from nowrongdoor.ids import new_receipt
from nowrongdoor.memory import MemoryHardPool

TIME_COST: Final = 2
MEMORY_COST_KIB: Final = 19 * 1024
receipt_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=1)
# A hash to verify against when the reference is unknown, so both paths cost the same.
_DECOY_HASH = receipt_hasher.hash(new_receipt())
# One thread per core: more would not hash faster, and each holds its 19 MiB while it works.
_HASHING = MemoryHardPool("receipts")


async def hashed(receipt: str) -> str:
    """`hash_receipt` off the event loop, on the receipts' own threads."""
    return await _HASHING.run(hash_receipt, receipt)


async def matches(receipt_hash: str | None, receipt: str) -> bool:
    """`receipt_matches` off the event loop, on the receipts' own threads."""
    return await _HASHING.run(receipt_matches, receipt_hash, receipt)


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
