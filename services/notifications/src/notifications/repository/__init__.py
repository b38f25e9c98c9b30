"""Queries over notifications' own tables, one module per family; the caller commits."""
