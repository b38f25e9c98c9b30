"""Alembic's environment for the gateway: the tables it migrates, through the shared runner."""

from sqlmodel import SQLModel

import gateway.models  # noqa: F401  (registers the tables)
from nowrongdoor.migrations import run_env

run_env(SQLModel.metadata)
