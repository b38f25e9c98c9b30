"""The ledger's settings: its SQLite file is named after the book, not the service."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from nowrongdoor.settings import DatabaseSettings


class LedgerSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="NWD_LEDGER_")
    service_name: ClassVar[str] = "ledger-book"
