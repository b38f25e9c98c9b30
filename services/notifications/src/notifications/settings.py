"""Notifications' settings, from `NWD_NOTIFICATIONS_*` and `NWD_SMTP_URL`, validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from nowrongdoor.contacts import transport_keys
from nowrongdoor.crypto import StaticKeys
from nowrongdoor.settings import DatabaseSettings


class NotificationsSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_NOTIFICATIONS_")
    service_name: ClassVar[str] = "notifications"

    encryption_keys: str | None = None
    """`id:base64,…` of 32-byte keys sealing contacts and webhook secrets, the first active."""

    contact_transport_keys: str | None = Field(
        None, validation_alias=AliasChoices("NWD_CONTACT_TRANSPORT_KEYS")
    )
    """The keys intake seals a complainant's addresses with on the bus (shared with intake)."""

    smtp_url: str | None = Field(None, validation_alias=AliasChoices("NWD_SMTP_URL", "smtp_url"))
    """`smtp://host:port` (STARTTLS when offered), `smtps://…` (implicit TLS), with
    `user:password@` when the server asks; no email is sent without it."""

    smtp_require_tls: bool = False
    """Refuse to send in clear when an `smtp://` server does not offer STARTTLS (it is used
    whenever offered); credentials are never sent in clear either way."""

    mail_from: str = "No Wrong Door <no-reply@nowrongdoor.localhost>"
    """The sender of every email."""

    sms_url: str | None = None
    """The SMS provider's HTTP endpoint; no SMS is sent without it."""

    sms_api_key: str | None = None
    """The bearer key the SMS provider expects."""

    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the platform; links in messages and webhook payloads start here."""

    merge_window_seconds: float = Field(60.0, ge=0)
    """Changes to one person within this window go out as one email or SMS."""

    dispatch_interval_seconds: float = Field(1.0, gt=0)
    """How often the sender looks for deliveries due when nothing wakes it sooner."""

    webhook_timeout_seconds: float = Field(10.0, gt=0)
    """How long one webhook call may take before it counts as failed."""

    claim_lease_seconds: float = Field(120.0, gt=0)
    """How long a sender holds a delivery it took; if it dies, another takes it after this.
    Keep it well above the longest send (the webhook timeout, an SMTP exchange)."""

    webhook_secret_overlap_hours: float = Field(24.0, ge=0)
    """How long the previous secret stays valid (deliveries signed with both) after rotation."""

    webhook_allow_private_addresses: bool | None = None
    """Let webhooks reach loopback, private and link-local addresses; by default only in
    development."""

    seed_institution_contacts: bool | None = None
    """Load the demo institutions' mailboxes; by default only in development."""

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotificationsSettings:
        if self.claim_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "NWD_NOTIFICATIONS_CLAIM_LEASE_SECONDS must be longer than the webhook timeout"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_keys(self) -> NotificationsSettings:
        if self.environment == "production" and not self.encryption_keys:
            raise ValueError("NWD_NOTIFICATIONS_ENCRYPTION_KEYS must be set in production")
        return self

    def keys(self, *, create: bool = True) -> StaticKeys:
        if self.encryption_keys:
            return StaticKeys.parse(self.encryption_keys)
        return StaticKeys.from_file(self.keys_file, create=create)

    @property
    def keys_file(self) -> Path:
        """Where development keeps its generated keys when none are configured."""
        return self.data_dir / "keys" / "notifications.keys"

    def transport_keys(self) -> StaticKeys:
        return transport_keys(
            self.contact_transport_keys,
            self.data_dir,
            production=self.environment == "production",
        )

    @property
    def development(self) -> bool:
        """Loopback and private webhook addresses, and plain `http`, are allowed only here."""
        return self.environment != "production"
