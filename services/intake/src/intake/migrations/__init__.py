"""Alembic migrations of the intake database."""
