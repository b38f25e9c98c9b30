"""Case tracking's settings, read from `NWD_CASE_TRACKING_*` and validated at start."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import DatabaseSettings


class CaseTrackingSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_CASE_TRACKING_")
    service_name: ClassVar[str] = "case-tracking"

    received_wait_seconds: float = Field(
        5.0,
        ge=0,
        le=30,
        description="How long the complainant's first look waits for a complaint accepted a "
        "moment ago to reach case tracking",
    )
