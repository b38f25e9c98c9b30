"""The opaque cursor of an institution's case list: where the last page ended."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime


class BadCursor(ValueError):
    """A cursor this service did not hand out."""


def encode(opened_at: datetime, reference: str) -> str:
    raw = f"{opened_at.isoformat()}|{reference}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    """The position `cursor` stands for; `BadCursor` if this service did not hand it out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, reference = raw.split("|", 1)
        return datetime.fromisoformat(stamp), reference
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor("not a cursor of this list") from error
