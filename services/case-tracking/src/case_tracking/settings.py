from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import DatabaseSettings


class CaseTrackingSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_CASE_TRACKING_")
    service_name: ClassVar[str] = "case-tracking"
