"""What the NGO that relayed an alert may do in its case, as its accreditation stands.

While the accreditation the alert relied on is in force (or the NGO relied on none), the NGO
reads the case as the person would and writes for them. Once the accreditation has ended —
suspended, revoked or expired — it keeps reading until the case is closed, and writes no more.
An institution of the case may withdraw the NGO at any time; then it sees nothing. Pure: the
caller says what day it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum


class Relaying(Enum):
    READS_AND_WRITES = "reads-and-writes"
    READS = "reads"


@dataclass(frozen=True)
class Standing:
    """An accreditation as routing last announced it."""

    status: str
    expires_on: date | None


def in_force(standing: Standing | None, today: date) -> bool:
    """Granted and not past its last day; an accreditation not heard of yet counts as in force,
    since the gateway checked it with routing when the alert was filed."""
    if standing is None:
        return True
    if standing.status != "granted":
        return False
    return standing.expires_on is None or standing.expires_on >= today


def relaying(
    *,
    verified: bool,
    standing: Standing | None,
    withdrawn: bool,
    finished: bool,
    today: date,
) -> Relaying | None:
    """What the relaying NGO may do; None when it may no longer see the case."""
    if withdrawn:
        return None
    if not verified or in_force(standing, today):
        return Relaying.READS_AND_WRITES
    return None if finished else Relaying.READS
