"""Alembic's environment for routing: the tables it migrates, through the shared runner."""

from sqlmodel import SQLModel

import routing.models  # noqa: F401  (registers the tables)
from nowrongdoor.migrations import run_env

run_env(SQLModel.metadata)
