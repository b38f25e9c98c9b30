"""Alembic's entry point: the tables of notifications, migrated by the shared runner."""

from sqlmodel import SQLModel

import notifications.models  # noqa: F401  (registers the tables)
from nowrongdoor.migrations import run_env

run_env(SQLModel.metadata)
