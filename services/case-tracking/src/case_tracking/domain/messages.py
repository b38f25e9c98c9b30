"""Who may write to whom in a case, who reads each message, and the minute it is dated to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from nowrongdoor.contracts.vocabulary import MessageAudience

Author = Literal["complainant", "institution"]


@dataclass(frozen=True)
class Reader:
    """Who reads: the complainant, or an institution taking part in the case."""

    kind: Author
    institution_id: str | None = None

    @classmethod
    def complainant(cls) -> Reader:
        return cls("complainant")

    @classmethod
    def institution(cls, institution_id: str) -> Reader:
        return cls("institution", institution_id)


def readable(audience: MessageAudience, author_institution_id: str | None, reader: Reader) -> bool:
    """The complainant reads what is written to the complainant; an institution of the case
    reads that, what the institutions write to one another, and its own internal notes."""
    if reader.kind == "complainant":
        return audience == "complainant"
    if audience == "internal":
        return author_institution_id == reader.institution_id
    return True


def refusal(author: Author, audience: MessageAudience, *, other_institutions: bool) -> str | None:
    """Why `author` may not write to `audience`, or None when it may."""
    if author == "complainant":
        return None if audience == "complainant" else "The complainant writes to the institutions"
    if audience == "institutions" and not other_institutions:
        return "No other institution takes part in this case"
    return None


def to_the_minute(at: datetime) -> datetime:
    """A message's time, no finer than the minute, so it cannot single out who wrote it."""
    return at.replace(second=0, microsecond=0)
