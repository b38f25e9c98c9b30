"""Case tracking's settings, read from `NWD_CASE_TRACKING_*` and validated at start."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from nowrongdoor.crypto import StaticKeys
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

    encryption_keys: str | None = None
    """`id:base64,…` of 32-byte keys sealing messages and reasons, the first active; in
    development a key file is made in the data folder."""

    deadline_check_seconds: float = Field(
        60.0, gt=0, description="How often promised dates are checked for a breach"
    )

    @model_validator(mode="after")
    def _production_needs_keys(self) -> CaseTrackingSettings:
        if self.environment == "production" and not self.encryption_keys:
            raise ValueError("NWD_CASE_TRACKING_ENCRYPTION_KEYS must be set in production")
        return self

    def keys(self, *, create: bool = True) -> StaticKeys:
        if self.encryption_keys:
            return StaticKeys.parse(self.encryption_keys)
        return StaticKeys.from_file(self.data_dir / "keys" / "case-tracking.keys", create=create)
