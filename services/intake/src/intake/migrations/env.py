"""Alembic's environment for intake: the tables it migrates, through the shared runner."""

from sqlmodel import SQLModel

import intake.models  # noqa: F401  (registers the tables)
from nowrongdoor.migrations import run_env

run_env(SQLModel.metadata)
