"""Settings shared by every service; each service adds its own under its own prefix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nowrongdoor.auth import (
    VerificationKey,
    development_signing_key,
    load_verification_keys,
)
from nowrongdoor.crypto import StaticKeys

if TYPE_CHECKING:
    from nowrongdoor.storage import BlobStore

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
    migrate_on_start: bool = Field(True, validation_alias=_common("migrate_on_start"))
    migrations_apart: bool = Field(
        True,
        validation_alias=_common("migrations_apart"),
        description="Migrate, or wait for the schema, in a child process that takes Alembic's "
        "memory with it when it exits",
    )
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

    @property
    def env_name(self) -> str:
        """The service's part of its variables' names: `CASE_TRACKING` in `NWD_CASE_TRACKING_…`."""
        return self.service_name.upper().replace("-", "_")

    @model_validator(mode="after")
    def _production_needs_real_database(self) -> DatabaseSettings:
        if self.environment == "production" and not self.database_url:
            raise ValueError(f"NWD_{self.env_name}_DATABASE_URL must be set in production")
        return self


class SealedFilesSettings(DatabaseSettings):
    """A service that seals what it keeps, files included, with keys outside its database.

    The keys are `NWD_<SERVICE>_ENCRYPTION_KEYS`, required in production; the files go to
    `NWD_<SERVICE>_ATTACHMENT_STORE`, a folder or S3-compatible storage.
    """

    encryption_keys: str | None = None
    """`id:base64,…` of 32-byte keys, the first active; in development a key file is made in the
    data folder."""

    attachment_store: str | None = Field(
        None,
        description="Where attachments are kept, sealed: a folder path, or "
        "`s3://bucket/prefix?endpoint=…&region=…` with the access key below; by default "
        "`attachments/<service>` in the data folder",
    )
    attachment_store_access_key_id: str | None = Field(
        None,
        description="The access key id of an s3:// attachment store; without it, the "
        "environment's AWS_ACCESS_KEY_ID",
    )
    attachment_store_secret_access_key: SecretStr | None = Field(
        None,
        description="Its secret access key; without it, the environment's AWS_SECRET_ACCESS_KEY",
    )
    attachment_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="The largest file accepted"
    )

    @model_validator(mode="after")
    def _production_needs_keys(self) -> SealedFilesSettings:
        if self.environment == "production" and not self.encryption_keys:
            raise ValueError(f"NWD_{self.env_name}_ENCRYPTION_KEYS must be set in production")
        return self

    def keys(self, *, create: bool = True) -> StaticKeys:
        if self.encryption_keys:
            return StaticKeys.parse(self.encryption_keys)
        return StaticKeys.from_file(
            self.data_dir / "keys" / f"{self.service_name}.keys", create=create
        )

    def attachment_folder(self) -> Path:
        """The folder attachments are kept in when no store is named."""
        return self.data_dir / "attachments" / self.service_name

    def attachment_store_opened(self) -> BlobStore:
        """The store attachments go to, with its access key when one is set here."""
        from nowrongdoor.storage import open_store  # object storage's client loads only here

        secret = self.attachment_store_secret_access_key
        return open_store(
            self.attachment_store,
            self.attachment_folder(),
            access_key_id=self.attachment_store_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
