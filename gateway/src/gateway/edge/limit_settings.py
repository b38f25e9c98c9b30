"""The gateway's abuse limits, each its own environment variable under the `NWD_` prefix.

A rate is written `COUNT/UNIT` with UNIT one of second, minute, hour or day: `120/minute` lets up
to 120 requests through at once and then refills evenly, one every half second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*")


@dataclass(frozen=True)
class Rate:
    """At most `count` requests per `period_seconds`, spread evenly once a burst is spent."""

    count: int
    period_seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        found = _RATE.fullmatch(text.lower())
        if found is None or int(found[1]) < 1:
            raise ValueError(f"{text!r} is not a rate like '120/minute' or '10/hour'")
        return cls(int(found[1]), _UNITS[found[2]])

    @property
    def interval_ms(self) -> int:
        # Rounded up so the rounding never lets more through than the rate allows.
        return -(-self.period_seconds * 1000 // self.count)

    def __str__(self) -> str:
        unit = {seconds: name for name, seconds in _UNITS.items()}[self.period_seconds]
        return f"{self.count}/{unit}"


def _checked_rate(text: str) -> str:
    return str(Rate.parse(text))


RateText = Annotated[str, AfterValidator(_checked_rate)]


class LimitSettings(BaseSettings):
    """Rate limits, submission limits, the body size limit and the receipt lockout."""

    model_config = SettingsConfigDict(env_prefix="NWD_", extra="ignore")

    rate_limits: bool = Field(
        True,
        description="`off` lifts the rate and submission limits (never the body size limit or "
        "the receipt lockout)",
    )
    rate_limit_per_client: RateText = Field(
        "120/minute",
        description="Requests per authenticated API client, for each route of the API",
    )
    rate_limit_public_paths: RateText = Field(
        "60/minute",
        description="Requests per anonymous caller, for each route of the API",
    )
    submissions_anonymous: RateText = Field(
        "10/hour",
        description="Complaints an anonymous caller can file; refused submissions do not count",
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1, description="Largest request body accepted, counted while it streams"
    )
    max_attachment_body_bytes: int = Field(
        72_000_000,
        ge=1,
        description="Largest body of a message or an application for accreditation with its "
        "files (`POST /v1/cases/{reference}/messages`, `POST /v1/accreditations`); the default "
        "lets five files of 10 MiB through, base64-encoded",
    )
    receipt_failures_before_delay: int = Field(
        3, ge=1, description="Wrong receipts for one reference before each check is slowed"
    )
    receipt_delay_step_seconds: float = Field(
        0.5, ge=0, description="How much each further wrong receipt adds to the slowdown"
    )
    receipt_delay_max_seconds: float = Field(5.0, ge=0, description="Longest slowdown")
    receipt_failures_before_lock: int = Field(
        10, ge=1, description="Wrong receipts for one reference before it is locked"
    )
    receipt_lock_seconds: int = Field(
        900, ge=1, description="How long a locked reference answers as if the receipt were wrong"
    )
    receipt_failure_memory_seconds: int = Field(
        86400, ge=1, description="How long wrong receipts are remembered after the last one"
    )

    @model_validator(mode="after")
    def _memory_outlasts_lock(self) -> LimitSettings:
        if self.receipt_failure_memory_seconds < self.receipt_lock_seconds:
            raise ValueError(
                "NWD_RECEIPT_FAILURE_MEMORY_SECONDS must be at least NWD_RECEIPT_LOCK_SECONDS"
            )
        return self

    @property
    def per_client(self) -> Rate:
        return Rate.parse(self.rate_limit_per_client)

    @property
    def public_paths(self) -> Rate:
        return Rate.parse(self.rate_limit_public_paths)

    @property
    def anonymous_submissions(self) -> Rate:
        return Rate.parse(self.submissions_anonymous)

    def receipt_delay(self, failures: int) -> float:
        """Seconds to hold a receipt check for a reference that has had `failures` wrong ones."""
        over = failures - self.receipt_failures_before_delay + 1
        if over < 1:
            return 0.0
        return min(self.receipt_delay_step_seconds * over, self.receipt_delay_max_seconds)
