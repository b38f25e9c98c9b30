"""Alembic's entry point: the tables of case tracking, migrated by the shared runner."""

from sqlmodel import SQLModel

import case_tracking.models  # noqa: F401  (registers the tables)
from nowrongdoor.migrations import run_env

run_env(SQLModel.metadata)
