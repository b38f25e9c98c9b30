"""Routing's Alembic revisions, named by the date they were written."""
