"""Settings shared by every service; each service adds its own under its own prefix."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nowrongdoor.auth import (
    VerificationKey,
    development_signing_key,
    load_verification_keys,
)

Environment = Literal["development", "test", "production"]


def _common(name: str) -> AliasChoices:
    return AliasChoices(f"NWD_{name.upper()}", name)


class ServiceSettings(BaseSettings):
    """What every process needs: where the bus and the data live, and how to report."""

    model_config = SettingsConfigDict(env_prefix="NWD_", extra="ignore", populate_by_name=True)

    environment: Environment = Field("development", validation_alias=_common("environment"))
    data_dir: Path = Field(Path(".nowrongdoor"), validation_alias=_common("data_dir"))
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias=_common("nats_url"))
    bus_namespace: str = Field(
        "",
        validation_alias=_common("bus_namespace"),
        description="Prefix of stream names and subjects, so platforms can share one NATS.",
        pattern=r"^[a-z0-9_]*$",
    )
    stream_replicas: int = Field(1, ge=1, le=5, validation_alias=_common("stream_replicas"))
    log_level: str = Field("INFO", validation_alias=_common("log_level"))
    otlp_endpoint: str | None = Field(None, validation_alias=_common("otlp_endpoint"))
    migrate_on_start: bool = Field(True, validation_alias=_common("migrate_on_start"))
    token_verification_keys_file: Path | None = Field(
        None,
        validation_alias=_common("token_verification_keys_file"),
        description="PEM bundle of the gateway's Ed25519 public keys (several during rotation)",
    )

    def verification_keys(self) -> list[VerificationKey]:
        if self.token_verification_keys_file:
            return load_verification_keys(self.token_verification_keys_file.read_bytes())
        if self.environment == "production":
            raise ValueError("NWD_TOKEN_VERIFICATION_KEYS_FILE must be set in production")
        return [development_signing_key(self.data_dir).public()]


class DatabaseSettings(ServiceSettings):
    """A service that owns a database; the URL defaults to a SQLite file in the data folder."""

    service_name: ClassVar[str] = "service"
    database_url: str | None = None

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"

    @model_validator(mode="after")
    def _production_needs_real_database(self) -> DatabaseSettings:
        if self.environment == "production" and not self.database_url:
            raise ValueError(
                f"NWD_{self.service_name.upper().replace('-', '_')}_DATABASE_URL must be set "
                "in production"
            )
        return self
