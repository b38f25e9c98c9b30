"""The words every producer and consumer share: enumerations and patterns, spelled once."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

Category = Literal[
    "maladministration",
    "corruption",
    "integrity",
    "human-rights",
    "discrimination",
    "data-protection",
    "children-rights",
    "other",
]
RespondentType = Literal[
    "national-administration",
    "regional-administration",
    "local-authority",
    "public-enterprise",
    "private-company",
    "public-official",
    "court",
]
ComplainantRole = Literal["citizen", "public-official", "ngo"]
Language = Literal["ar", "fr", "en", "nl", "de"]
Channel = Literal["web", "api", "counter", "ngo", "open311"]
PartRole = Literal["lead", "associated"]


class RoutingOutcome(StrEnum):
    """What routing made of a complaint's facts."""

    COMPETENT = "competent"
    """One or more institutions are competent; a case opens there."""
    PREREQUISITE_MISSING = "prerequisite-missing"
    """An institution could take it once a step is done (contact the administration first)."""
    NOT_COMPETENT = "not-competent"
    """No participating institution can take it; the answer is advice."""
    TRIAGE = "triage"
    """The facts alone cannot decide; a person at the triage institution will."""


# The outcomes a `complaint.routed` event carries; triage has its own event.
DecidedOutcome = Literal[
    RoutingOutcome.COMPETENT, RoutingOutcome.PREREQUISITE_MISSING, RoutingOutcome.NOT_COMPETENT
]


class CaseStatus(StrEnum):
    """Where a case stands, as the complainant and the institutions see it."""

    RECEIVED = "received"
    ROUTED = "routed"
    TRIAGE = "triage"
    ACKNOWLEDGED = "acknowledged"
    ADMISSIBLE = "admissible"
    INADMISSIBLE = "inadmissible"
    INVESTIGATING = "investigating"
    AWAITING_COMPLAINANT = "awaiting-complainant"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class CaseOutcome(StrEnum):
    """How a resolved case ended, as the complainant reads it."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly-upheld"
    NOT_UPHELD = "not-upheld"
    MEDIATED = "mediated"
    WITHDRAWN = "withdrawn"


class ServiceStandard(StrEnum):
    """The promises an institution makes: each step within so many business days."""

    ACKNOWLEDGE = "acknowledge"
    ADMISSIBILITY = "admissibility"
    RESOLUTION = "resolution"


class AccreditationStatus(StrEnum):
    """Where an NGO's accreditation with one institution stands, as both sides read it."""

    APPLIED = "applied"
    """The NGO applied; the institution has not decided yet."""
    GRANTED = "granted"
    REFUSED = "refused"
    SUSPENDED = "suspended"
    """Granted, but not to be relied on until the institution reinstates it."""
    REVOKED = "revoked"
    EXPIRED = "expired"
    """Granted, and its expiry date has passed; never stored, read from the date."""


MessageAudience = Literal["complainant", "institutions", "internal"]
"""Who reads a message: the complainant (and the case's institutions), only the institutions of
a joint case, or only the writer's own institution (an internal note)."""

TERRITORY_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"
INSTITUTION_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
REFERENCE_FIELD = Field(pattern=r"^NWD-[0-9A-HJKMNP-TV-Z]{12}$", examples=["NWD-7K3M9QX2VD4H"])
