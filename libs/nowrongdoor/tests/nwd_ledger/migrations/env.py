from sqlalchemy import MetaData

from nowrongdoor.migrations import run_env

run_env(MetaData())
