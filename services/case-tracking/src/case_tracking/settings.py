"""Case tracking's settings, read from `NWD_CASE_TRACKING_*` and validated at start."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import SealedFilesSettings


class CaseTrackingSettings(SealedFilesSettings):
    """Its keys seal messages, reasons and the files sent with messages (`SealedFilesSettings`)."""

    model_config = SettingsConfigDict(env_prefix="NWD_CASE_TRACKING_")
    service_name: ClassVar[str] = "case-tracking"

    received_wait_seconds: float = Field(
        5.0,
        ge=0,
        le=30,
        description="How long the complainant's first look waits for a complaint accepted a "
        "moment ago to reach case tracking",
    )

    deadline_check_seconds: float = Field(
        60.0, gt=0, description="How often promised dates are checked for a breach"
    )

    attachments_per_message: int = Field(
        5, ge=0, le=20, description="How many files one message may carry"
    )

    clock_offset: timedelta = Field(
        timedelta(0),
        description="For drills and tests only, refused in production: how far ahead of the real "
        "time case tracking believes it is (an ISO 8601 duration such as `P8D`, or seconds), so "
        "promised dates can be seen to pass",
    )

    @model_validator(mode="after")
    def _production_keeps_the_real_time(self) -> CaseTrackingSettings:
        if self.environment == "production" and self.clock_offset:
            raise ValueError(
                "NWD_CASE_TRACKING_CLOCK_OFFSET is for drills and tests, never production"
            )
        return self
