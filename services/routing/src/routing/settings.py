"""Routing's settings: one pydantic-settings class, read from NWD_ROUTING_* at start."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import SealedFilesSettings


class RoutingSettings(SealedFilesSettings):
    """Its keys seal the evidence NGOs send with their applications (`SealedFilesSettings`)."""

    model_config = SettingsConfigDict(env_prefix="NWD_ROUTING_")
    service_name: ClassVar[str] = "routing"

    attachments_per_answer: int = Field(
        5, ge=0, le=20, description="How many files may back one answer of an application"
    )
