"""The gateway's settings, read from `NWD_GATEWAY_*` and the shared `NWD_*`, checked at start."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, DirectoryPath, Field, model_validator
from pydantic_settings import SettingsConfigDict

from nowrongdoor.auth import SigningKey, development_signing_key, load_signing_key
from nowrongdoor.settings import DatabaseSettings


class GatewaySettings(DatabaseSettings):
    """The gateway's database holds API clients: NWD_GATEWAY_DATABASE_URL, else SQLite."""

    model_config = SettingsConfigDict(env_prefix="NWD_GATEWAY_")
    service_name: ClassVar[str] = "gateway"

    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=AliasChoices("NWD_REDIS_URL", "redis_url")
    )
    redis_prefix: str = Field(
        "nwd:", validation_alias=AliasChoices("NWD_REDIS_PREFIX", "redis_prefix")
    )
    # NWD_GATEWAY_<SERVICE>_URL (compose, Kubernetes) or NWD_<SERVICE>_URL (`nowrongdoor up`).
    intake_url: str = Field(
        "http://127.0.0.1:8001",
        validation_alias=AliasChoices("NWD_GATEWAY_INTAKE_URL", "NWD_INTAKE_URL", "intake_url"),
    )
    routing_url: str = Field(
        "http://127.0.0.1:8002",
        validation_alias=AliasChoices("NWD_GATEWAY_ROUTING_URL", "NWD_ROUTING_URL", "routing_url"),
    )
    case_tracking_url: str = Field(
        "http://127.0.0.1:8003",
        validation_alias=AliasChoices(
            "NWD_GATEWAY_CASE_TRACKING_URL", "NWD_CASE_TRACKING_URL", "case_tracking_url"
        ),
    )
    notifications_url: str = Field(
        "http://127.0.0.1:8004",
        validation_alias=AliasChoices(
            "NWD_GATEWAY_NOTIFICATIONS_URL", "NWD_NOTIFICATIONS_URL", "notifications_url"
        ),
    )
    upstream_timeout_seconds: float = Field(10.0, gt=0)
    idempotency_ttl_seconds: int = Field(24 * 3600, ge=60)
    secret_key: str | None = Field(
        None,
        min_length=32,
        description="Derives the keys that seal stored idempotent answers and tracked cases",
    )

    token_signing_key_file: Path | None = Field(
        None, description="PEM file of the Ed25519 key that signs access and internal tokens"
    )
    access_token_ttl_seconds: int = Field(300, ge=30, le=3600)
    internal_token_ttl_seconds: int = Field(60, ge=5, le=600)
    client_status_cache_seconds: float = Field(
        10.0, ge=0, le=10, description="How long a revoked client's tokens may still pass"
    )

    open311_jurisdiction: str = Field(
        "nowrongdoor",
        min_length=1,
        max_length=100,
        description="The `jurisdiction_id` the Open311 facade answers for",
    )
    tracking_cache_seconds: int = Field(
        300,
        ge=0,
        le=3600,
        description="The longest a case's answer is kept in Redis to be given again; the "
        "events about the case forget it sooner. 0 reads every case from case tracking",
    )
    tracking_session_minutes: int = Field(
        20, ge=1, le=240, description="How long a case stays open on the web without a click"
    )
    secure_cookies: bool = Field(
        True, description="Send the pages' cookies over HTTPS only (browsers allow localhost)"
    )
    media_dir: DirectoryPath | None = Field(
        None,
        description="A folder served read-only at /media/: the institutions' presentations in "
        "sign language and easy words that the directory names; unset, /media/ is not served",
    )

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> GatewaySettings:
        if self.environment == "production" and not self.secret_key:
            raise ValueError("NWD_GATEWAY_SECRET_KEY must be set in production")
        if self.environment == "production" and not self.token_signing_key_file:
            raise ValueError("NWD_GATEWAY_TOKEN_SIGNING_KEY_FILE must be set in production")
        return self

    def signing_key(self) -> SigningKey:
        if self.token_signing_key_file:
            return load_signing_key(self.token_signing_key_file.read_bytes())
        return development_signing_key(self.data_dir)

    def page_form_secret(self) -> bytes:
        """The key that binds each page's form token to its browser's form cookie."""
        return hmac.digest(self.resolved_secret_key(), b"nowrongdoor page forms", hashlib.sha256)

    def resolved_secret_key(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        path: Path = self.data_dir / "keys" / "gateway.secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()
