"""Public references and secret receipts.

A reference is `NWD-` and 12 Crockford base32 characters drawn from a cryptographic source
(60 bits: never sequential, not guessable); a receipt is 16 random decimal digits.
"""

from __future__ import annotations

import re
import secrets

CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PATTERN = r"^NWD-[0-9A-HJKMNP-TV-Z]{12}$"
RECEIPT_PATTERN = r"^[0-9]{16}$"
_REFERENCE = re.compile(REFERENCE_PATTERN)
_RECEIPT = re.compile(RECEIPT_PATTERN)


def new_reference() -> str:
    return "NWD-" + "".join(secrets.choice(CROCKFORD_BASE32) for _ in range(12))


def new_receipt() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(16))


def is_reference(value: str) -> bool:
    return _REFERENCE.fullmatch(value) is not None


def is_receipt(value: str) -> bool:
    return _RECEIPT.fullmatch(value) is not None
