from sqlmodel import SQLModel

from nowrongdoor.migrations import run_env

import routing.models  # noqa: F401  (registers the tables)

run_env(SQLModel.metadata)
