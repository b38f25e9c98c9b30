from sqlmodel import SQLModel

from nowrongdoor.migrations import run_env

import intake.models  # noqa: F401  (registers the tables)

run_env(SQLModel.metadata)
