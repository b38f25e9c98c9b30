"""Routing: decides which institution is competent for a complaint, and why."""
