"""Case tracking's settings, read from `NWD_CASE_TRACKING_*` and validated at start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from nowrongdoor.crypto import StaticKeys
from nowrongdoor.settings import DatabaseSettings
from nowrongdoor.storage import BlobStore, open_store


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

    attachment_store: str | None = Field(
        None,
        description="Where attachments are kept, sealed: a folder path, or "
        "`s3://bucket/prefix?endpoint=…&region=…` with the access key below; by default "
        "`attachments/case-tracking` in the data folder",
    )
    attachment_store_access_key_id: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "NWD_CASE_TRACKING_ATTACHMENT_STORE_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"
        ),
        description="The access key id of an s3:// attachment store",
    )
    attachment_store_secret_access_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "NWD_CASE_TRACKING_ATTACHMENT_STORE_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"
        ),
        description="Its secret access key",
    )
    attachment_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="The largest file accepted with a message"
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

    @model_validator(mode="after")
    def _production_needs_keys(self) -> CaseTrackingSettings:
        if self.environment == "production" and not self.encryption_keys:
            raise ValueError("NWD_CASE_TRACKING_ENCRYPTION_KEYS must be set in production")
        return self

    def attachment_folder(self) -> Path:
        """The folder attachments are kept in when no store is named."""
        return self.data_dir / "attachments" / "case-tracking"

    def attachment_store_opened(self) -> BlobStore:
        """The store attachments go to, with its access key when one is set here."""
        secret = self.attachment_store_secret_access_key
        return open_store(
            self.attachment_store,
            self.attachment_folder(),
            access_key_id=self.attachment_store_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )

    def keys(self, *, create: bool = True) -> StaticKeys:
        if self.encryption_keys:
            return StaticKeys.parse(self.encryption_keys)
        return StaticKeys.from_file(self.data_dir / "keys" / "case-tracking.keys", create=create)
