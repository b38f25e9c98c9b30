"""Alembic migrations of the gateway database: API clients and their audit trail."""
