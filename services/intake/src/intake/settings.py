from __future__ import annotations

from typing import ClassVar

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from nowrongdoor.crypto import StaticKeys
from nowrongdoor.settings import DatabaseSettings


class IntakeSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_INTAKE_")
    service_name: ClassVar[str] = "intake"

    encryption_keys: str | None = None
    """`id:base64,…` of 32-byte keys, the first active; in development a key file is made."""

    @model_validator(mode="after")
    def _production_needs_keys(self) -> IntakeSettings:
        if self.environment == "production" and not self.encryption_keys:
            raise ValueError("NWD_INTAKE_ENCRYPTION_KEYS must be set in production")
        return self

    def keys(self) -> StaticKeys:
        if self.encryption_keys:
            return StaticKeys.parse(self.encryption_keys)
        return StaticKeys.from_file(self.data_dir / "keys" / "intake.keys", create=True)
