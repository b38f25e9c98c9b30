"""Notifications' settings, read from `NWD_NOTIFICATIONS_*` and validated at start."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import DatabaseSettings


class NotificationsSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_NOTIFICATIONS_")
    service_name: ClassVar[str] = "notifications"
