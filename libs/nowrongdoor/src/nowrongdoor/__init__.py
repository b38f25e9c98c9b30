"""Shared foundation of No Wrong Door."""

__version__ = "0.1.0"
