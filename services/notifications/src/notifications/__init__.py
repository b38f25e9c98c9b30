"""Notifications: what happens in a case, delivered to those who follow it."""
