"""Notifications' pure rules: who is told what for each event, and when a failed try is retried."""
