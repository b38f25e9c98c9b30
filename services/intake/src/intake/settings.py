"""Intake's settings: one class read from `NWD_INTAKE_*`, validated at start."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, NonNegativeInt, model_validator
from pydantic_settings import SettingsConfigDict

from intake.domain.retention import RetentionPolicy
from nowrongdoor.contacts import transport_keys
from nowrongdoor.crypto import StaticKeys
from nowrongdoor.settings import DatabaseSettings


class IntakeSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_INTAKE_")
    service_name: ClassVar[str] = "intake"

    encryption_keys: str | None = None
    """`id:base64,…` of 32-byte keys, the first active; in development a key file is made."""

    retention_days: int = Field(365, ge=0)
    """Days personal data is kept after a case closes, where no institution says otherwise."""

    retention_days_by_institution: dict[str, NonNegativeInt] = Field(default_factory=dict)
    """JSON such as `{"ma-cndh": 730}`; for a joint case the longest applicable one wins."""

    purge_interval_seconds: float = Field(3600.0, gt=0)
    """How often the retention purge looks for personal data past its time."""

    decision_wait_seconds: float = Field(5.0, ge=0)
    """How long a resubmission or a staff read waits for a decision on its way from routing."""

    contact_transport_keys: str | None = Field(
        None, validation_alias=AliasChoices("NWD_CONTACT_TRANSPORT_KEYS")
    )
    """The keys a complainant's addresses are sealed with on the bus (shared with notifications)."""

    @model_validator(mode="after")
    def _production_needs_keys(self) -> IntakeSettings:
        if self.environment == "production" and not self.encryption_keys:
            raise ValueError("NWD_INTAKE_ENCRYPTION_KEYS must be set in production")
        return self

    def keys(self, *, create: bool = True) -> StaticKeys:
        if self.encryption_keys:
            return StaticKeys.parse(self.encryption_keys)
        return StaticKeys.from_file(self.data_dir / "keys" / "intake.keys", create=create)

    def transport_keys(self) -> StaticKeys:
        return transport_keys(
            self.contact_transport_keys,
            self.data_dir,
            production=self.environment == "production",
        )

    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            default_days=self.retention_days, days_by_institution=self.retention_days_by_institution
        )
