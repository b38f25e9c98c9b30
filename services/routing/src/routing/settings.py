"""Routing's settings: one pydantic-settings class, read from NWD_ROUTING_* at start."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import DatabaseSettings


class RoutingSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_ROUTING_")
    service_name: ClassVar[str] = "routing"
