"""Notifications' internal HTTP API, one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from notifications.api.deliveries import router as deliveries
from notifications.api.inbox import router as inbox
from notifications.api.webhooks import router as webhooks

routers: list[APIRouter] = [deliveries, webhooks, inbox]
