"""Alembic migrations of the case-tracking database."""
